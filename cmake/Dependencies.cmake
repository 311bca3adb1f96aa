# Every dependency comes from Debian 12 packages (deploy/install-deps.sh); nothing is downloaded.
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)        # module mode: Debian ships no protobuf-config.cmake
find_package(gRPC CONFIG REQUIRED)     # needs protobuf-compiler-grpc for its imported plugins
find_package(absl CONFIG REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
# libpq itself, for the one binary COPY libpqxx 6.4 cannot do (store/internal/copy_out.h).
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)
# smdctl reads and writes Excel .xlsx files: a zip archive of XML parts (docs/adr/0012).
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
pkg_check_modules(EXPAT REQUIRED IMPORTED_TARGET expat)
# The loopback monitoring endpoint's HTTP server (docs/adr/0015-monitoring-endpoint.md).
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
if(SMD_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
