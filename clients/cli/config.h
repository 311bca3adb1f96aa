#pragma once
// Where smdctl keeps its session and how it reaches the server.
//
// The session (server address, username, token) is a file `session` in the config
// directory: $SMDCTL_CONFIG_DIR, else $XDG_CONFIG_HOME/smdctl, else ~/.config/smdctl. The
// directory is created with mode 0700 and the file written with mode 0600: the token is a
// password for its 8 hours.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "text.h"

namespace smdctl {

struct Options {
  std::string server;      // host:port; default $SMDCTL_SERVER or 127.0.0.1:50051
  std::string ca;          // PEM file of the CA to trust; default $SMDCTL_CA or <dir>/ca.pem
  // Client certificate and key (PEM) for a server that requires mutual TLS
  // (--tls-client-ca); default $SMDCTL_CERT / $SMDCTL_KEY. Both or neither.
  std::string cert;
  std::string key;
  bool insecure = false;   // plaintext (a loopback test server only)
  bool json = false;       // machine-readable output
  Lang lang = Lang::kZh;
  std::string config_dir;
};

std::string DefaultConfigDir();

struct Session {
  std::string server;
  std::string username;
  std::string token;
};

absl::Status SaveSession(const std::string& dir, const Session& s);
// NOT_FOUND when there is none.
absl::StatusOr<Session> LoadSession(const std::string& dir);
absl::Status ClearSession(const std::string& dir);

// A channel to the server: TLS (with the CA file when given, else the system's roots) or,
// with --insecure, plaintext. INVALID_ARGUMENT when the CA file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const Options& o);

}  // namespace smdctl
