#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace smdctl {
namespace {

absl::Status MakeDirs(const std::string& dir) {
  std::string path;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || (dir[i] == '/' && i > 0)) {
      path = dir.substr(0, i);
      if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
        return absl::PermissionDeniedError(absl::StrCat("cannot create ", path));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string DefaultConfigDir() {
  if (const char* d = std::getenv("SMDCTL_CONFIG_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return absl::StrCat(x, "/smdctl");
  const char* home = std::getenv("HOME");
  return absl::StrCat(home && *home ? home : ".", "/.config/smdctl");
}

absl::Status SaveSession(const std::string& dir, const Session& s) {
  if (auto st = MakeDirs(dir); !st.ok()) return st;
  const std::string path = dir + "/session";
  const std::string tmp = path + ".tmp";
  // Created 0600 from the start: the token never sits in a readable file.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return absl::PermissionDeniedError("cannot write " + tmp);
  ::fchmod(fd, 0600);
  const std::string body = absl::StrCat("server=", s.server, "\nusername=", s.username,
                                        "\ntoken=", s.token, "\n");
  const bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size());
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::PermissionDeniedError("cannot write " + path);
  }
  return absl::OkStatus();
}

absl::StatusOr<Session> LoadSession(const std::string& dir) {
  std::ifstream in(dir + "/session");
  if (!in) return absl::NotFoundError("no session");
  Session s;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "server") s.server = v;
    if (k == "username") s.username = v;
    if (k == "token") s.token = v;
  }
  if (s.token.empty()) return absl::NotFoundError("no session");
  return s;
}

absl::Status ClearSession(const std::string& dir) {
  std::remove((dir + "/session").c_str());
  return absl::OkStatus();
}

namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* flag) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(flag, ": 无法读取 (cannot read) ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const Options& o) {
  if (o.insecure) return grpc::CreateChannel(o.server, grpc::InsecureChannelCredentials());
  grpc::SslCredentialsOptions ssl;
  if (!o.ca.empty()) {
    auto pem = ReadPem(o.ca, "--ca");
    if (!pem.ok()) return pem.status();
    ssl.pem_root_certs = *pem;
  }
  if (o.cert.empty() != o.key.empty()) {
    return absl::InvalidArgumentError("--cert, --key: 须同时提供 (give both or neither)");
  }
  if (!o.cert.empty()) {
    auto cert = ReadPem(o.cert, "--cert");
    if (!cert.ok()) return cert.status();
    auto key = ReadPem(o.key, "--key");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  }
  return grpc::CreateChannel(o.server, grpc::SslCredentials(ssl));
}

}  // namespace smdctl
