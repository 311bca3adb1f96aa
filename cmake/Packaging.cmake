# The Debian package smd-server (docs/operations.md "Install from the package"):
#   cmake --build build && clients/web/scripts/build.sh && (cd build && cpack -G DEB)
# It holds the server, smdctl, the web gateway and its pages (clients/web/dist, when built),
# the systemd units, example configuration and the database set-up scripts. The maintainer
# scripts (deploy/debian/) create the system users and copy the examples to /etc/smd only
# when nothing is there: a configuration or key file is never overwritten, and keys are
# never made by the package (an operator makes them and backs them up).

include(GNUInstallDirs)

install(TARGETS smd_server smdctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The units in deploy/systemd document a hand install to /usr/local/bin; the package's
# binaries live in /usr/bin.
foreach(unit smd-server.service smd-gateway.service)
  file(READ ${PROJECT_SOURCE_DIR}/deploy/systemd/${unit} text)
  string(REPLACE "/usr/local/bin/smd-server" "/usr/bin/smd-server" text "${text}")
  file(WRITE ${PROJECT_BINARY_DIR}/package/${unit} "${text}")
  # Absolute: Debian 12 units belong in /lib/systemd/system whatever the prefix.
  install(FILES ${PROJECT_BINARY_DIR}/package/${unit} DESTINATION /lib/systemd/system)
endforeach()

install(FILES ${PROJECT_SOURCE_DIR}/deploy/config/smd.env.example
              ${PROJECT_SOURCE_DIR}/deploy/config/smd-gateway.env.example
        DESTINATION ${CMAKE_INSTALL_DATADIR}/smd/examples)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/postgres/roles.sql
              ${PROJECT_SOURCE_DIR}/deploy/postgres/create-db.sql
              ${PROJECT_SOURCE_DIR}/deploy/postgres/protect-audit.sql
        DESTINATION ${CMAKE_INSTALL_DATADIR}/smd/postgres)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/operations.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/smd-server)
# Example Prometheus scrape configuration and alert rules (docs/operations.md "Monitoring").
install(FILES ${PROJECT_SOURCE_DIR}/deploy/monitoring/prometheus.yml
              ${PROJECT_SOURCE_DIR}/deploy/monitoring/smd-alerts.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/smd/examples/monitoring)
# The web client, built by clients/web/scripts/build.sh before cpack runs (OPTIONAL: a
# server-only package is still a package; the unit then has nothing to start).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/clients/web/dist/ DESTINATION lib/smd/web OPTIONAL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME smd-server)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "smd maintainers <smd@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "community management of patients with severe mental disorders (server, CLI, web)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser for the maintainer scripts; Node.js 18+ runs the web gateway. The libraries the
# binaries link (libpqxx, gRPC, libmicrohttpd12 for the monitoring endpoint of ADR 0015, ...)
# are added by shlibdeps; libmicrohttpd12 is also named so that a build without shlibdeps
# still declares it.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, nodejs (>= 18), libmicrohttpd12")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postgresql-client-15")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "postgresql-15, postgresql-15-auto-failover, pgbackrest, haproxy")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
