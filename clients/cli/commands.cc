#include "commands.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "args.h"
#include "config.h"
#include "csv_import.h"
#include "site_import.h"
#include "smd/v1/network.grpc.pb.h"
#include "fields.h"
#include "output.h"
#include "table_file.h"
#include "smd/v1/admin.grpc.pb.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "smd/v1/audit.grpc.pb.h"
#include "smd/v1/auth.grpc.pb.h"
#include "smd/v1/followups.grpc.pb.h"
#include "smd/v1/metrics.grpc.pb.h"
#include "smd/v1/patients.grpc.pb.h"
#include "smd/v1/regions.grpc.pb.h"
#include "smd/v1/rehab.grpc.pb.h"

namespace smdctl {
namespace {

namespace pb = google::protobuf;
namespace v1 = smd::v1;

const std::set<std::string> kBooleanFlags = {
    "insecure", "json",   "missing", "unacked", "history",  "password-stdin",
    "help",     "accept", "refuse",  "once",    "children", "no-password-change",
    "active-only"};

int ExitFor(const grpc::Status& s) {
  switch (s.error_code()) {
    case grpc::StatusCode::OK:
      return kOk;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
      return kRefused;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return kAuth;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return kUnreachable;
    default:
      return kOther;
  }
}

std::string CodeName(grpc::StatusCode c) {
  static const char* kNames[] = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
                                 "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
                                 "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
                                 "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
                                 "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  const int i = static_cast<int>(c);
  return i >= 0 && i < 17 ? kNames[i] : "UNKNOWN";
}

std::string DateText(const v1::Date& d) {
  if (d.year() == 0) return "";
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

absl::StatusOr<v1::Date> ParseDate(const std::string& flag, const std::string& s) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(s, &day)) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": 日期格式须为 YYYY-MM-DD (date must be YYYY-MM-DD)"));
  }
  v1::Date d;
  d.set_year(static_cast<int>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

std::string TimeText(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixSeconds(t.seconds()),
                          absl::FixedTimeZone(8 * 3600));
}

std::string ClassText(Lang l, int c) {
  switch (c) {
    case 1:
      return l == Lang::kZh ? "不稳定" : "unstable";
    case 2:
      return l == Lang::kZh ? "基本稳定" : "basically stable";
    case 3:
      return l == Lang::kZh ? "稳定" : "stable";
    default:
      return "";
  }
}

std::string AlertKindText(Lang l, v1::AlertKind k) {
  static const std::map<int, std::pair<const char*, const char*>> kKinds = {
      {1, {"高风险", "high risk"}},       {2, {"转为不稳定", "became unstable"}},
      {3, {"肇事肇祸", "incident"}},       {4, {"走失", "missing"}},
      {5, {"应急处置", "emergency"}},      {6, {"不稳定患者逾期未随访", "overdue unstable"}},
      {7, {"医生手动预警", "manual"}},     {8, {"升级", "escalated"}}};
  auto it = kKinds.find(static_cast<int>(k));
  if (it == kKinds.end()) return "";
  return l == Lang::kZh ? it->second.first : it->second.second;
}

std::string RoleText(Lang l, v1::Role r) {
  static const std::map<int, std::pair<const char*, const char*>> kRoles = {
      {1, {"精防医生", "community doctor"}}, {2, {"精神科医师", "psychiatrist"}},
      {3, {"公安民警", "police"}},           {4, {"网格员", "grid worker"}},
      {5, {"社区工作者", "community worker"}}, {6, {"卫健委", "health committee"}},
      {7, {"审计员", "auditor"}},             {8, {"系统管理员", "administrator"}}};
  auto it = kRoles.find(static_cast<int>(r));
  if (it == kRoles.end()) return "";
  return l == Lang::kZh ? it->second.first : it->second.second;
}

std::string GapCauseText(Lang l, v1::AlertGapCause c) {
  switch (c) {
    case v1::ALERT_GAP_CAUSE_RAISED:
      return l == Lang::kZh ? "发出时无人" : "nobody when raised";
    case v1::ALERT_GAP_CAUSE_ESCALATION:
      return l == Lang::kZh ? "升级无人可接" : "nobody to escalate to";
    case v1::ALERT_GAP_CAUSE_RECIPIENT_LEFT:
      return l == Lang::kZh ? "接收人离岗无人接替" : "recipient left, nobody took over";
    default:
      return "";
  }
}

absl::StatusOr<std::string> ReadInput(const std::string& path, std::istream& in) {
  if (path == "-") {
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::ifstream f(path);
  if (!f) return absl::InvalidArgumentError(absl::StrCat("无法读取文件 (cannot read) ", path));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

absl::Status FromJson(const std::string& json, pb::Message* m, const std::string& what) {
  pb::util::JsonParseOptions o;
  o.ignore_unknown_fields = false;
  auto s = pb::util::JsonStringToMessage(json, m, o);
  if (!s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": JSON 无效 (invalid JSON): ", std::string(s.message())));
  }
  return absl::OkStatus();
}

// One line: from the terminal without echo, after the prompt text `prompt` (a text key), or
// from standard input when it is not a terminal.
std::string ReadPassword(std::istream& in, std::ostream& err, Lang lang,
                         const char* prompt = "prompt.password") {
  std::string pw;
  if (&in == &std::cin && ::isatty(STDIN_FILENO)) {
    err << T(lang, prompt) << std::flush;
    termios old{};
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::getline(in, pw);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    err << "\n";
  } else {
    std::getline(in, pw);
  }
  return pw;
}

// Makes sure every generated file is linked, so that `call` finds every service.
void LinkEveryProto() {
  (void)v1::LoginRequest::descriptor();
  (void)v1::CreateUserRequest::descriptor();
  (void)v1::UpsertRegionRequest::descriptor();
  (void)v1::RegisterPatientRequest::descriptor();
  (void)v1::RecordFollowUpRequest::descriptor();
  (void)v1::AddMemberRequest::descriptor();
  (void)v1::ListAuditRecordsRequest::descriptor();
  (void)v1::GetMetricsRequest::descriptor();
  (void)v1::RecordRehabSessionRequest::descriptor();
  (void)v1::UpsertSiteRequest::descriptor();
}

// A fresh key per invocation: 128 random bits, so keys of different invocations never meet.
std::string NewIdempotencyKey() {
  std::random_device rd;
  std::string key = "smdctl-";
  for (int i = 0; i < 4; ++i) absl::StrAppend(&key, absl::Hex(rd(), absl::kZeroPad8));
  return key;
}

// The server's rule (16..128 of [A-Za-z0-9._-]), leaving room for the ".<n>" of later
// writes of the same invocation.
bool ValidIdempotencyKey(const std::string& key) {
  if (key.size() < 16 || key.size() > 120) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

class Cli {
 public:
  Cli(std::ostream& out, std::ostream& err, std::istream& in) : out_(out), err_(err), in_(in) {}

  int Main(const std::vector<std::string>& argv) {
    auto parsed = ParseArgs(argv, kBooleanFlags);
    if (!parsed.ok()) return Usage(std::string(parsed.status().message()));
    a_ = *parsed;
    o_.lang = a_.Get("lang", std::getenv("SMDCTL_LANG") ? std::getenv("SMDCTL_LANG") : "zh") == "en"
                  ? Lang::kEn
                  : Lang::kZh;
    o_.json = a_.Has("json");
    o_.insecure = a_.Has("insecure");
    o_.config_dir = a_.Get("config-dir", DefaultConfigDir());
    auto session = LoadSession(o_.config_dir);
    if (session.ok()) session_ = *session;
    const char* env_server = std::getenv("SMDCTL_SERVER");
    o_.server = a_.Get("server", env_server ? env_server
                                            : (session_.server.empty() ? "127.0.0.1:50051"
                                                                       : session_.server));
    const char* env_ca = std::getenv("SMDCTL_CA");
    std::string default_ca = o_.config_dir + "/ca.pem";
    if (!std::ifstream(default_ca)) default_ca.clear();
    o_.ca = a_.Get("ca", env_ca ? env_ca : default_ca);
    const char* env_cert = std::getenv("SMDCTL_CERT");
    const char* env_key = std::getenv("SMDCTL_KEY");
    o_.cert = a_.Get("cert", env_cert ? env_cert : "");
    o_.key = a_.Get("key", env_key ? env_key : "");
    invocation_key_ = a_.Get("idempotency-key", NewIdempotencyKey());
    if (!ValidIdempotencyKey(invocation_key_)) {
      return Usage(
          "--idempotency-key: 须为16至120个字母、数字或 . _ - 字符 (16 to 120 characters "
          "of A-Z a-z 0-9 . _ -)");
    }
    auto retries = a_.GetInt("retries", 5);
    if (!retries.ok() || *retries < 0 || *retries > 10) {
      return Usage("--retries: 须为0至10 (0 to 10)");
    }
    retries_ = static_cast<int>(*retries);
    if (a_.positional.empty() || a_.Has("help") || a_.positional[0] == "help") {
      out_ << HelpText();
      return a_.positional.empty() && !a_.Has("help") ? kUsage : kOk;
    }
    auto channel = MakeChannel(o_);
    if (!channel.ok()) return Usage(std::string(channel.status().message()));
    channel_ = *channel;
    const std::string cmd = a_.positional[0];
    const std::string sub = a_.positional.size() > 1 ? a_.positional[1] : "";
    using Fn = std::function<int()>;
    const std::map<std::string, Fn> top = {
        {"login", [&] { return Login(); }},
        {"logout", [&] { return Logout(); }},
        {"password", [&] { return Password(); }},
        {"whoami", [&] { return Unary<v1::AuthService>("WhoAmI", v1::WhoAmIRequest{}); }},
        {"call", [&] { return Call(); }},
        {"patient", [&] { return Patient(sub); }},
        {"followup", [&] { return FollowUp(sub); }},
        {"worklist", [&] { return Worklist(); }},
        {"team", [&] { return Team(sub); }},
        {"rehab", [&] { return Rehab(sub); }},
        {"alerts", [&] { return Alerts(sub); }},
        {"metrics", [&] { return Metrics(sub); }},
        {"audit", [&] { return Audit(sub); }},
        {"user", [&] { return User(sub); }},
        {"region", [&] { return Region(sub); }},
        {"site", [&] { return Site(sub); }},
        {"network", [&] { return Network(sub); }},
        {"rules", [&] { return Rules(sub); }},
        {"drugs", [&] { return Drugs(sub); }},
    };
    auto it = top.find(cmd);
    if (it == top.end()) return Usage("未知命令 (unknown command): " + cmd);
    return it->second();
  }

 private:
  // ---- plumbing ---------------------------------------------------------------------

  int Usage(const std::string& why) {
    err_ << "smdctl: " << why << "\n" << (o_.lang == Lang::kZh ? "用法见 smdctl help" : "see smdctl help") << "\n";
    return kUsage;
  }

  int Fail(const grpc::Status& s) {
    err_ << "smdctl: " << CodeName(s.error_code()) << ": " << s.error_message() << "\n";
    if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) err_ << T(o_.lang, "not_logged_in") << "\n";
    if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
        absl::StrContains(s.error_message(), "password change required")) {
      err_ << T(o_.lang, "password.required") << "\n";
    }
    return ExitFor(s);
  }

  int FailLocal(const absl::Status& s) {
    err_ << "smdctl: " << s.message() << "\n";
    return s.code() == absl::StatusCode::kInvalidArgument ? kUsage : kOther;
  }

  std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!session_.token.empty()) ctx->AddMetadata("authorization", "Bearer " + session_.token);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return ctx;
  }

  std::string Pos(size_t i) const { return i < a_.positional.size() ? a_.positional[i] : ""; }

  // A generic unary call by method name through the generated descriptors.
  //
  // Idempotency (docs/api.md "Idempotency keys"): a write (a method the proto does not
  // mark NO_SIDE_EFFECTS, outside AuthService) carries the invocation's key; the n-th
  // write of one invocation (n > 1: import batches) carries "<key>.<n>". A read or a write
  // that gets UNAVAILABLE or RESOURCE_EXHAUSTED is sent again, up to --retries times with
  // backoff, with the same key: the server replays a write that had already committed.
  grpc::Status Invoke(const std::string& service, const std::string& method,
                      const pb::Message& req, pb::Message* resp) {
    LinkEveryProto();
    const pb::MethodDescriptor* m = pb::DescriptorPool::generated_pool()->FindMethodByName(
        absl::StrCat("smd.v1.", service, ".", method));
    const bool read =
        m != nullptr && m->options().idempotency_level() == pb::MethodOptions::NO_SIDE_EFFECTS;
    const bool write = m != nullptr && !read && service != "AuthService";
    std::string key;
    if (write) {
      ++writes_;
      key = writes_ == 1 ? invocation_key_ : absl::StrCat(invocation_key_, ".", writes_);
    }
    std::string bytes;
    req.SerializeToString(&bytes);
    const std::string path = absl::StrCat("/smd.v1.", service, "/", method);
    grpc::Status s;
    std::string body;
    bool replayed = false;
    absl::Duration backoff = absl::Milliseconds(250);
    for (int attempt = 0;; ++attempt) {
      s = InvokeOnce(path, bytes, key, &body, &replayed);
      const bool transient = s.error_code() == grpc::StatusCode::UNAVAILABLE ||
                             s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
      if (!transient || !(read || write) || attempt >= retries_) break;
      err_ << "smdctl: " << CodeName(s.error_code()) << "，" << absl::FormatDuration(backoff)
           << " 后重试 (retrying in " << absl::FormatDuration(backoff) << ", " << attempt + 1 << "/"
           << retries_ << (write ? ", same idempotency key" : "") << ")\n";
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(4));
    }
    if (!s.ok()) {
      if (write && (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
                    s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)) {
        // The write may have committed with its reply lost: the same key makes a rerun safe.
        err_ << "smdctl: 写入可能已完成；如要重试，请加 --idempotency-key " << invocation_key_
             << " 重新运行同一命令 (the write may have been done; to retry safely, rerun the "
                "same command with --idempotency-key "
             << invocation_key_ << ")\n";
      }
      return s;
    }
    if (replayed) {
      err_ << "smdctl: 此请求此前已完成，显示的是原结果 (already done earlier; the original "
              "reply is shown)\n";
    }
    if (!resp->ParseFromString(body)) return grpc::Status(grpc::StatusCode::INTERNAL, "bad reply");
    return s;
  }

  grpc::Status InvokeOnce(const std::string& path, const std::string& bytes, const std::string& key,
                          std::string* body, bool* replayed) {
    grpc::GenericStub stub(channel_);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer in(&slice, 1), outbuf;
    auto ctx = Ctx();
    if (!key.empty()) ctx->AddMetadata("idempotency-key", key);
    std::promise<grpc::Status> done;
    stub.UnaryCall(ctx.get(), path, grpc::StubOptions(), &in, &outbuf,
                   [&](grpc::Status s) { done.set_value(s); });
    grpc::Status s = done.get_future().get();
    if (!s.ok()) return s;
    const auto& trailers = ctx->GetServerTrailingMetadata();
    auto it = trailers.find("idempotency-replayed");
    *replayed = it != trailers.end() && it->second == "true";
    std::vector<grpc::Slice> slices;
    (void)outbuf.Dump(&slices);
    body->clear();
    for (const auto& sl : slices)
      body->append(reinterpret_cast<const char*>(sl.begin()), sl.size());
    return s;
  }

  template <typename Service, typename Req>
  int Unary(const std::string& method, const Req& req) {
    const pb::MethodDescriptor* m =
        pb::DescriptorPool::generated_pool()->FindMethodByName(
            absl::StrCat(Service::service_full_name(), ".", method));
    if (m == nullptr) return Usage("no method " + method);
    std::unique_ptr<pb::Message> resp(
        pb::MessageFactory::generated_factory()->GetPrototype(m->output_type())->New());
    grpc::Status s = Invoke(std::string(Service::service_full_name()).substr(7), method, req,
                            resp.get());
    if (!s.ok()) return Fail(s);
    out_ << ToJson(*resp) << "\n";
    return kOk;
  }

  // One RPC whose request is filled from the words after the subcommand and from --flags
  // named after its fields (fields.h); the reply printed as JSON.
  // `own_flags` are the command's flags that are not request fields.
  template <typename Service, typename Req>
  int FieldsCall(const std::string& method, const std::vector<std::string>& positional_fields,
                 const std::set<std::string>& required, Req req = Req{},
                 const std::set<std::string>& own_flags = {}, size_t first_positional = 2) {
    static const std::set<std::string> kGlobal = {
        "insecure",   "json", "lang",           "server",          "ca",
        "config-dir", "help", "password-stdin", "idempotency-key", "retries",
        "file",       "cert", "key"};
    std::set<std::string> ignore = kGlobal;
    ignore.insert(own_flags.begin(), own_flags.end());
    if (auto st = FillFromArgs(a_, first_positional, positional_fields, ignore, required, &req);
        !st.ok()) {
      return FailLocal(st);
    }
    return Unary<Service>(method, req);
  }

  // ---- files ---------------------------------------------------------------------------

  // The table in `file` (table_file.h) as --encoding and --sheet say. Every import reads
  // through here; saying on stderr when a CSV was read as GB18030 (GBK) by detection.
  absl::StatusOr<TableFile> ReadTableFlags(const std::string& file) {
    ReadTableOptions opt;
    auto enc = ParseEncoding(a_.Get("encoding"));
    if (!enc.ok()) return enc.status();
    opt.encoding = *enc;
    opt.sheet = a_.Get("sheet");
    std::string piped;
    if (file == "-") {
      std::stringstream ss;
      ss << in_.rdbuf();
      piped = ss.str();
    }
    auto t = ReadTable(file, opt, piped);
    if (t.ok() && !t->xlsx && t->encoding == TextEncoding::kGb18030 && *enc == TextEncoding::kAuto) {
      err_ << "smdctl: 按 GB18030 (GBK) 编码读取 " << file << " (read as GB18030/GBK)\n";
    }
    return t;
  }

  // Writes `bytes` to `path`, readable by the user only (an export may hold patients'
  // names and ID numbers: docs/security.md).
  absl::Status WriteFile(const std::string& path, const std::string& bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return absl::InternalError(absl::StrCat("无法写入文件 (cannot write) ", path));
    (void)::fchmod(fd, 0600);  // also when the file existed with wider rights
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) {
        ::close(fd);
        return absl::InternalError(absl::StrCat("无法写入文件 (cannot write) ", path));
      }
      done += static_cast<size_t>(n);
    }
    if (::close(fd) != 0) return absl::InternalError(absl::StrCat("无法写入文件 (cannot write) ", path));
    return absl::OkStatus();
  }

  // --format and --encoding of an export to `path`.
  absl::StatusOr<WriteTableOptions> ExportOptions(const std::string& path) {
    WriteTableOptions w;
    auto format = ParseFormat(a_.Get("format"), path);
    if (!format.ok()) return format.status();
    w.format = *format;
    auto enc = ParseEncoding(a_.Get("encoding", "utf-8"));
    if (!enc.ok()) return enc.status();
    w.encoding = *enc == TextEncoding::kAuto ? TextEncoding::kUtf8 : *enc;
    if (w.format == TableFormat::kXlsx && a_.Has("encoding") && *enc == TextEncoding::kGb18030) {
      return absl::InvalidArgumentError(
          "--encoding: .xlsx 总是 UTF-8，编码只用于 CSV (an .xlsx file is always UTF-8; the "
          "encoding is for CSV)");
    }
    return w;
  }

  // A table command's result: printed, or with --out FILE written as CSV or .xlsx
  // (--format, --encoding; docs/cli.md "Exporting tables"). `numeric` are the columns
  // written as numbers in .xlsx; every other cell is text (ID numbers, codes, phones).
  int Emit(const Table& t, std::set<size_t> numeric = {}) {
    if (!a_.Has("out")) {
      t.Print(out_);
      return kOk;
    }
    const std::string path = a_.Get("out");
    auto w = ExportOptions(path);
    if (!w.ok()) return FailLocal(w.status());
    w->numeric_columns = std::move(numeric);
    auto bytes = WriteTable(t.headers, t.rows, *w);
    if (!bytes.ok()) return FailLocal(bytes.status());
    if (auto st = WriteFile(path, *bytes); !st.ok()) return FailLocal(st);
    out_ << T(o_.lang, "saved") << " " << path << " (" << t.rows.size()
         << (o_.lang == Lang::kZh ? " 行)" : " rows)") << "\n";
    return kOk;
  }

  // ---- commands -----------------------------------------------------------------------

  int Login() {
    const std::string user = a_.Get("user", Pos(1));
    if (user.empty()) return Usage("login --user <用户名 username>");
    v1::LoginRequest req;
    req.set_username(user);
    req.set_password(ReadPassword(in_, err_, o_.lang));
    v1::LoginResponse resp;
    session_.token.clear();
    grpc::Status s = Invoke("AuthService", "Login", req, &resp);
    if (!s.ok()) return Fail(s);
    Session sess{o_.server, user, resp.token()};
    if (auto st = SaveSession(o_.config_dir, sess); !st.ok()) return FailLocal(st);
    if (o_.json) {
      out_ << ToJson(resp.user()) << "\n";
    } else {
      out_ << T(o_.lang, "login.ok") << " " << resp.user().display_name() << " ("
           << resp.user().username() << ", "
           << (resp.user().jurisdiction_name().empty() ? ""
                                                       : resp.user().jurisdiction_name() + " ")
           << resp.user().jurisdiction() << ")\n";
    }
    // An administrator set this password: nothing but `password` (and whoami, logout) works
    // until it is changed.
    if (resp.user().must_change_password()) err_ << T(o_.lang, "password.required") << "\n";
    return kOk;
  }

  // smdctl password: the signed-in user's own ChangePassword. The old and the new password
  // are read like login's (terminal without echo, or one line each from standard input).
  // Every session of the user ends, so the saved one is cleared: sign in again.
  int Password() {
    v1::ChangePasswordRequest req;
    req.set_old_password(ReadPassword(in_, err_, o_.lang, "prompt.old_password"));
    req.set_new_password(ReadPassword(in_, err_, o_.lang, "prompt.new_password"));
    v1::ChangePasswordResponse resp;
    grpc::Status s = Invoke("AuthService", "ChangePassword", req, &resp);
    if (!s.ok()) return Fail(s);
    (void)ClearSession(o_.config_dir);
    out_ << T(o_.lang, "password.changed") << "\n";
    return kOk;
  }

  int Logout() {
    v1::LogoutResponse resp;
    grpc::Status s = Invoke("AuthService", "Logout", v1::LogoutRequest{}, &resp);
    (void)ClearSession(o_.config_dir);
    if (!s.ok() && s.error_code() != grpc::StatusCode::UNAUTHENTICATED) return Fail(s);
    out_ << T(o_.lang, "logout.ok") << "\n";
    return kOk;
  }

  // smdctl call <Service>.<Method> [JSON | -]: any unary RPC, JSON in and out.
  int Call() {
    const std::string name = Pos(1);
    const auto dot = name.find('.');
    if (dot == std::string::npos) return Usage("call <Service>.<Method> ['{json}' | -]");
    LinkEveryProto();
    const pb::MethodDescriptor* m =
        pb::DescriptorPool::generated_pool()->FindMethodByName("smd.v1." + name);
    if (m == nullptr) return Usage("未知方法 (unknown method): " + name);
    if (m->server_streaming() || m->client_streaming()) {
      return Usage("流式方法请用专门命令，如 alerts watch (streaming: use e.g. alerts watch)");
    }
    std::unique_ptr<pb::Message> req(
        pb::MessageFactory::generated_factory()->GetPrototype(m->input_type())->New());
    std::string json = Pos(2).empty() ? "{}" : Pos(2);
    if (json == "-") {
      auto read = ReadInput("-", in_);
      if (!read.ok()) return FailLocal(read.status());
      json = *read;
    }
    if (auto s = FromJson(json, req.get(), "request"); !s.ok()) return FailLocal(s);
    std::unique_ptr<pb::Message> resp(
        pb::MessageFactory::generated_factory()->GetPrototype(m->output_type())->New());
    grpc::Status s = Invoke(name.substr(0, dot), name.substr(dot + 1), *req, resp.get());
    if (!s.ok()) return Fail(s);
    out_ << ToJson(*resp) << "\n";
    return kOk;
  }

  Table PatientTable() {
    return Table{{T(o_.lang, "col.patient_id"), T(o_.lang, "col.name"), T(o_.lang, "col.birth"),
                  T(o_.lang, "col.jurisdiction"), T(o_.lang, "col.risk"), T(o_.lang, "col.class"),
                  T(o_.lang, "col.version")},
                 {}};
  }

  void AddPatients(const google::protobuf::RepeatedPtrField<v1::Patient>& ps, Table* t) {
    for (const auto& p : ps) {
      t->rows.push_back({p.patient_id(), p.details().name(), DateText(p.birth_date()),
                         p.details().jurisdiction(),
                         p.risk_level() < 0 ? "-" : std::to_string(p.risk_level()),
                         ClassText(o_.lang, p.classification()), std::to_string(p.version())});
    }
  }

  int Patient(const std::string& sub) {
    if (sub == "register") {
      auto json = ReadInput(a_.Get("file", "-"), in_);
      if (!json.ok()) return FailLocal(json.status());
      v1::RegisterPatientRequest req;
      if (auto s = FromJson(*json, req.mutable_details(), "--file"); !s.ok()) return FailLocal(s);
      v1::Patient p;
      grpc::Status s = Invoke("PatientService", "RegisterPatient", req, &p);
      if (!s.ok()) return Fail(s);
      if (o_.json) {
        out_ << ToJson(p) << "\n";
      } else {
        out_ << T(o_.lang, "registered") << " " << p.patient_id() << "\n";
      }
      return kOk;
    }
    if (sub == "show") {
      v1::GetPatientRequest req;
      req.set_patient_id(Pos(2));
      v1::Patient p;
      grpc::Status s = Invoke("PatientService", "GetPatient", req, &p);
      if (!s.ok()) return Fail(s);
      if (o_.json) {
        out_ << ToJson(p) << "\n";
      } else {
        google::protobuf::RepeatedPtrField<v1::Patient> one;
        *one.Add() = p;
        Table t = PatientTable();
        AddPatients(one, &t);
        t.Print(out_);
      }
      return kOk;
    }
    if (sub == "search") {
      v1::SearchPatientsRequest req;
      req.set_name(a_.Get("name"));
      req.set_id_number(a_.Get("id-number"));
      req.set_region(a_.Get("region"));
      auto risk = a_.GetInt("min-risk", 0);
      if (!risk.ok()) return FailLocal(risk.status());
      req.set_min_risk(static_cast<int>(*risk));
      req.mutable_page()->set_page_size(static_cast<int>(a_.GetInt("limit", 50).value_or(50)));
      req.mutable_page()->set_page_token(a_.Get("page-token"));
      v1::SearchPatientsResponse resp;
      grpc::Status s = Invoke("PatientService", "SearchPatients", req, &resp);
      if (!s.ok()) return Fail(s);
      if (o_.json) {
        out_ << ToJson(resp) << "\n";
        return kOk;
      }
      Table t = PatientTable();
      AddPatients(resp.patients(), &t);
      // An export (--out) holds every page.
      while (a_.Has("out") && !resp.next_page_token().empty()) {
        req.mutable_page()->set_page_token(resp.next_page_token());
        if (s = Invoke("PatientService", "SearchPatients", req, &resp); !s.ok()) return Fail(s);
        AddPatients(resp.patients(), &t);
      }
      if (int rc = Emit(t); rc != kOk) return rc;
      if (!resp.next_page_token().empty()) out_ << "--page-token " << resp.next_page_token() << "\n";
      return kOk;
    }
    if (sub == "import") return Import();
    if (sub == "template") {
      // The import file's header (docs/import.md) as a workbook whose columns are text, so
      // that ID numbers typed into it stay whole; or as CSV (--format csv, --encoding gbk).
      if (!a_.Has("out")) a_.flags["out"] = "登记表模板.xlsx";
      return Emit(Table{ImportColumns(), {}});
    }
    if (sub == "update") {
      // The whole details object from a JSON file (as for register) and the version read.
      auto json = ReadInput(a_.Get("file", "-"), in_);
      if (!json.ok()) return FailLocal(json.status());
      v1::UpdatePatientRequest req;
      if (auto st = FromJson(*json, req.mutable_details(), "--file"); !st.ok()) return FailLocal(st);
      return FieldsCall<v1::PatientService>("UpdatePatient", {"patient_id"},
                                            {"patient_id", "version"}, req);
    }
    if (sub == "transfer") {
      return FieldsCall<v1::PatientService, v1::TransferOutRequest>(
          "TransferOut", {"patient_id"}, {"patient_id", "version", "to_jurisdiction"});
    }
    if (sub == "transfer-in") {
      return FieldsCall<v1::PatientService, v1::TransferInRequest>("TransferIn", {"transfer_id"},
                                                                   {"transfer_id"});
    }
    if (sub == "transfers") {
      return FieldsCall<v1::PatientService, v1::ListTransfersRequest>("ListTransfers", {}, {});
    }
    if (sub == "close") {
      return FieldsCall<v1::PatientService, v1::ClosePatientRequest>(
          "ClosePatient", {"patient_id"}, {"patient_id", "version", "kind"});
    }
    return Usage("patient register|show|search|import|template|update|transfer|transfer-in|transfers|close");
  }

  // smdctl patient import --file registry.csv [--batch 500]: the rows in batches, a report
  // of the refused ones. Exit 0 when every row was imported or already registered, 2 when
  // some were refused (the others are imported: a refused row changes nothing).
  int Import() {
    const std::string file = a_.Get("file");
    if (file.empty()) {
      return Usage("patient import --file 登记表.csv|登记表.xlsx [--encoding utf-8|gbk] [--sheet 工作表] [--batch 500]");
    }
    auto table = ReadTableFlags(file);
    if (!table.ok()) return FailLocal(table.status());
    auto rows = RowsFromTable(*table);
    if (!rows.ok()) return FailLocal(rows.status());
    const int batch = static_cast<int>(std::clamp<long long>(a_.GetInt("batch", 500).value_or(500), 1, 1000));
    int imported = 0, already = 0;
    std::vector<std::vector<std::string>> refused;  // line, field, reason
    v1::ImportPatientsRequest req;
    auto flush = [&]() -> grpc::Status {
      if (req.rows_size() == 0) return grpc::Status::OK;
      v1::ImportPatientsResponse resp;
      grpc::Status s = Invoke("PatientService", "ImportPatients", req, &resp);
      if (!s.ok()) return s;
      imported += resp.imported();
      already += resp.already_registered();
      for (const auto& r : resp.results()) {
        if (r.outcome() == v1::IMPORT_OUTCOME_REFUSED) {
          refused.push_back({std::to_string(r.row()), r.field(), r.reason()});
        }
      }
      req.clear_rows();
      return grpc::Status::OK;
    };
    for (const CsvRow& r : *rows) {
      if (!r.error.empty()) {
        const auto colon = r.error.find(": ");
        refused.push_back({std::to_string(r.line), r.error.substr(0, colon), r.error.substr(colon + 2)});
        continue;
      }
      *req.add_rows() = r.row;
      if (req.rows_size() >= batch) {
        grpc::Status s = flush();
        if (!s.ok()) return Fail(s);
      }
    }
    if (grpc::Status s = flush(); !s.ok()) return Fail(s);
    std::sort(refused.begin(), refused.end(), [](const auto& a, const auto& b) {
      return std::stoi(a[0]) < std::stoi(b[0]);
    });
    if (o_.json) {
      out_ << "{\"rows\": " << rows->size() << ", \"imported\": " << imported
           << ", \"already_registered\": " << already << ", \"refused\": " << refused.size()
           << "}\n";
    } else {
      out_ << (o_.lang == Lang::kZh ? "共 " : "rows ") << rows->size()
           << (o_.lang == Lang::kZh ? " 行：导入 " : ": imported ") << imported
           << (o_.lang == Lang::kZh ? "，已登记跳过 " : ", already registered ") << already
           << (o_.lang == Lang::kZh ? "，拒绝 " : ", refused ") << refused.size() << "\n";
      if (!refused.empty()) {
        Table t{{o_.lang == Lang::kZh ? "行" : "line", o_.lang == Lang::kZh ? "字段" : "field",
                 T(o_.lang, "col.reason")},
                refused};
        t.Print(out_);
      }
    }
    return refused.empty() ? kOk : kRefused;
  }

  int FollowUp(const std::string& sub) {
    if (sub == "record") {
      v1::RecordFollowUpRequest req;
      req.set_patient_id(Pos(2));
      if (req.patient_id().empty()) return Usage("followup record <患者ID patient id> --file form.json");
      auto json = ReadInput(a_.Get("file", "-"), in_);
      if (!json.ok()) return FailLocal(json.status());
      if (auto s = FromJson(*json, req.mutable_form(), "--file"); !s.ok()) return FailLocal(s);
      // Flags override the file: the same form for another day or risk.
      if (a_.Has("date")) {
        auto d = ParseDate("date", a_.Get("date"));
        if (!d.ok()) return FailLocal(d.status());
        *req.mutable_form()->mutable_visit_date() = *d;
      } else if (req.form().visit_date().year() == 0) {
        auto today = absl::ToCivilDay(absl::Now(), absl::FixedTimeZone(8 * 3600));
        req.mutable_form()->mutable_visit_date()->set_year(static_cast<int>(today.year()));
        req.mutable_form()->mutable_visit_date()->set_month(today.month());
        req.mutable_form()->mutable_visit_date()->set_day(today.day());
      }
      // --risk N sets the level; --risk none removes it (a failed or hospital-only visit:
      // the level is sent only when assessed, issue 14).
      if (a_.Has("risk")) {
        if (a_.Get("risk") == "none") {
          req.mutable_form()->clear_risk_level();
        } else {
          auto r = a_.GetInt("risk", -1);
          if (!r.ok()) return FailLocal(r.status());
          req.mutable_form()->set_risk_level(static_cast<int>(*r));
        }
      }
      v1::FollowUp f;
      grpc::Status s = Invoke("FollowUpService", "RecordFollowUp", req, &f);
      if (!s.ok()) return Fail(s);
      if (o_.json) {
        out_ << ToJson(f) << "\n";
      } else {
        out_ << T(o_.lang, "recorded") << " " << f.visit_id() << "\n"
             << T(o_.lang, "classification") << ": "
             << ClassText(o_.lang, f.assessment().final_class()) << "\n"
             << T(o_.lang, "next_visit") << ": " << DateText(f.assessment().next_due()) << "\n";
      }
      return kOk;
    }
    if (sub == "list") {
      v1::ListFollowUpsRequest req;
      req.set_patient_id(Pos(2));
      req.set_include_history(a_.Has("history"));
      v1::ListFollowUpsResponse resp;
      grpc::Status s = Invoke("FollowUpService", "ListFollowUps", req, &resp);
      if (!s.ok()) return Fail(s);
      if (o_.json) {
        out_ << ToJson(resp) << "\n";
        return kOk;
      }
      Table t{{T(o_.lang, "col.visit_date"), T(o_.lang, "col.risk"), T(o_.lang, "col.class"),
               T(o_.lang, "col.next_due"), T(o_.lang, "col.version")},
              {}};
      for (const auto& f : resp.followups()) {
        t.rows.push_back({DateText(f.form().visit_date()),
                          f.form().has_risk_level() ? std::to_string(f.form().risk_level()) : "-",
                          ClassText(o_.lang, f.assessment().final_class()),
                          DateText(f.assessment().next_due()), std::to_string(f.version())});
      }
      return Emit(t);
    }
    if (sub == "timeline") {
      v1::GetTimelineRequest req;
      req.set_patient_id(Pos(2));
      v1::Timeline resp;
      grpc::Status s = Invoke("FollowUpService", "GetTimeline", req, &resp);
      if (!s.ok()) return Fail(s);
      if (o_.json) {
        out_ << ToJson(resp) << "\n";
        return kOk;
      }
      Table t{{T(o_.lang, "col.date"), T(o_.lang, "col.event"), T(o_.lang, "col.summary")}, {}};
      for (const auto& e : resp.entries()) t.rows.push_back({DateText(e.date()), e.kind(), e.summary()});
      return Emit(t);
    }
    return Usage("followup record|list|timeline (其他操作用 call FollowUpService.<Method>)");
  }

  int Worklist() {
    static const std::map<std::string, v1::WorklistKind> kKinds = {
        {"overdue", v1::WORKLIST_OVERDUE},
        {"due-soon", v1::WORKLIST_DUE_SOON},
        {"unstable", v1::WORKLIST_UNSTABLE_NOT_SEEN},
        {"discharged", v1::WORKLIST_DISCHARGED_NOT_SEEN},
        {"review", v1::WORKLIST_TWO_WEEK_REVIEW}};
    auto it = kKinds.find(Pos(1).empty() ? "overdue" : Pos(1));
    if (it == kKinds.end()) return Usage("worklist overdue|due-soon|unstable|discharged|review");
    v1::ListWorklistRequest req;
    req.set_kind(it->second);
    req.set_region(a_.Get("region"));
    v1::ListWorklistResponse resp;
    grpc::Status s = Invoke("FollowUpService", "ListWorklist", req, &resp);
    if (!s.ok()) return Fail(s);
    if (o_.json) {
      out_ << ToJson(resp) << "\n";
      return kOk;
    }
    Table t{{T(o_.lang, "col.patient_id"), T(o_.lang, "col.name"), T(o_.lang, "col.jurisdiction"),
             T(o_.lang, "col.risk"), T(o_.lang, "col.next_due")},
            {}};
    for (const auto& i : resp.items()) {
      t.rows.push_back({i.patient_id(), i.name(), i.jurisdiction(),
                        i.risk_level() < 0 ? "-" : std::to_string(i.risk_level()),
                        DateText(i.next_due())});
    }
    return Emit(t);
  }

  // 社区康复 and 心理疏导 records (RehabService; docs/cli.md).
  int Rehab(const std::string& sub) {
    if (sub == "record") {
      return FieldsCall<v1::RehabService, v1::RecordRehabSessionRequest>(
          "RecordRehabSession", {"patient_id"},
          {"patient_id", "session_date", "activity", "place"});
    }
    if (sub == "support") {
      return FieldsCall<v1::RehabService, v1::RecordPsychSupportRequest>(
          "RecordPsychSupport", {"patient_id"},
          {"patient_id", "support_date", "recipients", "method"});
    }
    if (sub == "list") {
      return FieldsCall<v1::RehabService, v1::ListRehabRecordsRequest>(
          "ListRehabRecords", {"patient_id"}, {"patient_id"});
    }
    return Usage(
        "rehab record <患者ID> --session-date YYYY-MM-DD --activity sunshine-garden --place 地点"
        "|support <患者ID> --support-date YYYY-MM-DD --recipients family --method phone"
        "|list <患者ID> [--from] [--to] [--kind session|support]");
  }

  int Team(const std::string& sub) {
    if (sub == "list") {
      v1::ListTeamRequest req;
      req.set_patient_id(Pos(2));
      req.set_include_history(a_.Has("history"));
      return Unary<v1::CareTeamService>("ListTeam", req);
    }
    if (sub == "mine") return Unary<v1::CareTeamService>("ListMyPatients", v1::ListMyPatientsRequest{});
    if (sub == "gaps") {
      v1::ListTeamGapsRequest req;
      req.set_region(a_.Get("region"));
      return Unary<v1::CareTeamService>("ListTeamGaps", req);
    }
    if (sub == "eligible") {
      return FieldsCall<v1::CareTeamService, v1::ListEligibleMembersRequest>(
          "ListEligibleMembers", {"patient_id"}, {"patient_id", "team_role"});
    }
    if (sub == "add") {
      return FieldsCall<v1::CareTeamService, v1::AddMemberRequest>(
          "AddMember", {"patient_id"}, {"patient_id", "team_role"});
    }
    if (sub == "end") {
      return FieldsCall<v1::CareTeamService, v1::EndMemberRequest>("EndMember", {"member_id"},
                                                                   {"member_id"});
    }
    return Usage("team list <患者ID>|mine|gaps|eligible <患者ID> --team-role ...|add <患者ID> --team-role ...|end <成员ID>");
  }

  void PrintAlert(const v1::AlertMessage& m) {
    if (o_.json) {
      pb::util::JsonPrintOptions jo;
      jo.preserve_proto_field_names = true;
      std::string line;
      (void)pb::util::MessageToJsonString(m, &line, jo);
      out_ << line << "\n" << std::flush;
      return;
    }
    out_ << "[" << m.seq() << "] " << TimeText(m.raised_at()) << "  "
         << AlertKindText(o_.lang, m.kind()) << "  " << T(o_.lang, "col.severity") << " "
         << m.severity() << "  " << m.patient_name() << " (" << m.jurisdiction() << ")  "
         << m.cause() << (m.escalation_level() > 0 ? absl::StrCat("  ↑", m.escalation_level()) : "")
         << "\n" << std::flush;
  }

  // The cursor of `alerts watch`, kept per user so that a restarted watch resumes.
  std::string CursorPath() const {
    return o_.config_dir + "/alerts-cursor-" + (session_.username.empty() ? "anon" : session_.username);
  }

  int Alerts(const std::string& sub) {
    if (sub == "watch") {
      int64_t after = 0;
      if (a_.Has("after")) {
        after = a_.GetInt("after", 0).value_or(0);
      } else if (std::ifstream cur(CursorPath()); cur) {
        cur >> after;
      }
      const bool once = a_.Has("once");  // print what is waiting (and new ones for --wait-s), then stop
      const int wait_s = static_cast<int>(a_.GetInt("wait-s", once ? 2 : 0).value_or(0));
      if (!o_.json) err_ << T(o_.lang, "watch.waiting") << "\n";
      for (int attempt = 0;; ++attempt) {
        auto stub = v1::AlertService::NewStub(channel_);
        grpc::ClientContext ctx;
        if (!session_.token.empty()) ctx.AddMetadata("authorization", "Bearer " + session_.token);
        if (wait_s > 0) {
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(wait_s));
        }
        v1::SubscribeAlertsRequest req;
        req.set_after(after);
        auto reader = stub->SubscribeAlerts(&ctx, req);
        v1::AlertMessage m;
        while (reader->Read(&m)) {
          PrintAlert(m);
          after = std::max<int64_t>(after, m.seq());
          std::ofstream(CursorPath()) << after << "\n";
        }
        grpc::Status s = reader->Finish();
        if (wait_s > 0 && s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) return kOk;
        if (s.error_code() == grpc::StatusCode::OUT_OF_RANGE && attempt == 0) {
          // The kept cursor is from another database (or from before a restore): start
          // from the newest alert in the inbox; everything older is in `alerts inbox`.
          v1::ListAlertsRequest newest;
          newest.mutable_page()->set_page_size(1);
          v1::ListAlertsResponse got;
          grpc::Status ls = Invoke("AlertService", "ListAlerts", newest, &got);
          if (!ls.ok()) return Fail(ls);
          after = got.alerts().empty() ? 0 : got.alerts(0).seq();
          std::ofstream(CursorPath()) << after << "\n";
          err_ << T(o_.lang, "watch.resync") << " " << after << "\n";
          continue;
        }
        if (s.error_code() == grpc::StatusCode::UNAVAILABLE && wait_s == 0) {
          // Server restarting: reconnect with the cursor, nothing is lost.
          std::this_thread::sleep_for(std::chrono::seconds(std::min(attempt + 1, 10)));
          continue;
        }
        return s.ok() ? kOk : Fail(s);
      }
    }
    if (sub == "inbox") {
      v1::ListAlertsRequest req;
      req.set_unacknowledged_only(a_.Has("unacked"));
      req.set_patient_id(a_.Get("patient"));
      v1::ListAlertsResponse resp;
      grpc::Status s = Invoke("AlertService", "ListAlerts", req, &resp);
      if (!s.ok()) return Fail(s);
      if (o_.json) {
        out_ << ToJson(resp) << "\n";
        return kOk;
      }
      Table t{{T(o_.lang, "col.seq"), T(o_.lang, "col.raised"), T(o_.lang, "col.kind"),
               T(o_.lang, "col.severity"), T(o_.lang, "col.name"), T(o_.lang, "col.cause"),
               T(o_.lang, "col.acked")},
              {}};
      for (const auto& m : resp.alerts()) {
        t.rows.push_back({std::to_string(m.seq()), TimeText(m.raised_at()),
                          AlertKindText(o_.lang, m.kind()), std::to_string(m.severity()),
                          m.patient_name(), m.cause(),
                          m.has_acknowledged_at() ? TimeText(m.acknowledged_at()) : T(o_.lang, "no")});
      }
      return Emit(t);
    }
    if (sub == "ack") {
      v1::AcknowledgeAlertRequest req;
      long long seq = 0;
      if (!absl::SimpleAtoi(Pos(2), &seq)) return Usage("alerts ack <序号 seq> [--note 备注]");
      req.set_seq(seq);
      req.set_note(a_.Get("note"));
      v1::AlertMessage m;
      grpc::Status s = Invoke("AlertService", "AcknowledgeAlert", req, &m);
      if (!s.ok()) return Fail(s);
      if (o_.json) {
        out_ << ToJson(m) << "\n";
      } else {
        out_ << T(o_.lang, "ack.ok") << " " << m.seq() << " " << TimeText(m.acknowledged_at()) << "\n";
      }
      return kOk;
    }
    if (sub == "raise") {
      v1::RaiseAlertRequest req;
      req.set_patient_id(Pos(2));
      req.set_severity(static_cast<int>(a_.GetInt("severity", 2).value_or(2)));
      req.set_cause(a_.Get("cause"));
      return Unary<v1::AlertService>("RaiseAlert", req);
    }
    if (sub == "gaps") {
      v1::ListAlertGapsRequest req;
      req.set_region(a_.Get("region"));
      req.set_include_resolved(a_.Has("all"));
      v1::ListAlertGapsResponse resp;
      grpc::Status s = Invoke("AlertService", "ListAlertGaps", req, &resp);
      if (!s.ok()) return Fail(s);
      if (o_.json) {
        out_ << ToJson(resp) << "\n";
        return kOk;
      }
      Table t{{T(o_.lang, "col.raised"), T(o_.lang, "col.kind"), T(o_.lang, "col.severity"),
               T(o_.lang, "col.jurisdiction"), T(o_.lang, "col.missing_role"),
               T(o_.lang, "col.cause"), T(o_.lang, "col.duty"), T(o_.lang, "col.resolved")},
              {}};
      for (const auto& g : resp.gaps()) {
        t.rows.push_back({TimeText(g.raised_at()), AlertKindText(o_.lang, g.kind()),
                          std::to_string(g.severity()), g.jurisdiction(),
                          RoleText(o_.lang, g.missing_role()), GapCauseText(o_.lang, g.cause()),
                          std::to_string(g.duty_recipients()),
                          g.has_resolved_at() ? TimeText(g.resolved_at()) : T(o_.lang, "no")});
      }
      return Emit(t);
    }
    return Usage("alerts watch|inbox|ack|raise|gaps");
  }

  absl::Status FillPeriod(v1::MetricPeriod* p) {
    auto today = absl::ToCivilDay(absl::Now(), absl::FixedTimeZone(8 * 3600));
    auto year = a_.GetInt("year", today.year());
    if (!year.ok()) return year.status();
    auto month = a_.GetInt("month", *year == today.year() ? today.month() : 12);
    if (!month.ok()) return month.status();
    p->set_year(static_cast<int>(*year));
    p->set_month(static_cast<int>(*month));
    if (a_.Has("as-of")) {
      auto d = ParseDate("as-of", a_.Get("as-of"));
      if (!d.ok()) return d.status();
      *p->mutable_as_of() = *d;
    }
    return absl::OkStatus();
  }

  // --variant (docs/cli.md): "jiangsu" (R1, last visit), "national" (R2, any record), or
  // comma-separated r1 | r2 | last-visit | any-record; absent: the server's rule set.
  absl::Status FillVariant(v1::MetricVariant* v) {
    if (!a_.Has("variant")) return absl::OkStatus();
    for (absl::string_view item : absl::StrSplit(a_.Get("variant"), ',', absl::SkipEmpty())) {
      if (item == "jiangsu") {
        v->set_standardized(v1::STANDARDIZED_RULE_R1);
        v->set_medication(v1::MEDICATION_RULE_LAST_VISIT);
      } else if (item == "national") {
        v->set_standardized(v1::STANDARDIZED_RULE_R2);
        v->set_medication(v1::MEDICATION_RULE_ANY_RECORD);
      } else if (item == "r1") {
        v->set_standardized(v1::STANDARDIZED_RULE_R1);
      } else if (item == "r2") {
        v->set_standardized(v1::STANDARDIZED_RULE_R2);
      } else if (item == "last-visit") {
        v->set_medication(v1::MEDICATION_RULE_LAST_VISIT);
      } else if (item == "any-record") {
        v->set_medication(v1::MEDICATION_RULE_ANY_RECORD);
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "--variant: 未知的统计口径 \"", item, "\" (unknown variant; use jiangsu, national, r1, "
            "r2, last-visit or any-record)"));
      }
    }
    return absl::OkStatus();
  }

  std::vector<std::string> IndicatorRow(const std::string& region, const v1::IndicatorValue& i) {
    std::string value = i.available() ? absl::StrFormat("%.2f%s", i.value(), i.unit())
                                      : T(o_.lang, "unavailable");
    std::string target = i.has_target() ? absl::StrFormat("%s%.1f%s", i.lower_is_better() ? "≤" : "≥",
                                                          i.target(), i.unit())
                                        : "";
    std::string met = i.has_target() && i.available() ? T(o_.lang, i.met() ? "yes" : "no") : "";
    return {region, o_.lang == Lang::kZh ? i.name() : i.name_en(), std::to_string(i.numerator()),
            std::to_string(i.denominator()), value, target, met};
  }

  int Metrics(const std::string& sub) {
    if (sub == "show" || sub == "csv" || sub.empty()) {
      v1::GetMetricsRequest req;
      req.set_region(a_.Get("region"));
      if (auto s = FillPeriod(req.mutable_period()); !s.ok()) return FailLocal(s);
      if (auto s = FillVariant(req.mutable_variant()); !s.ok()) return FailLocal(s);
      if (sub == "csv") {
        v1::MetricsExport ex;
        grpc::Status s = Invoke("MetricsService", "ExportMetrics", req, &ex);
        if (!s.ok()) return Fail(s);
        // The server's CSV (UTF-8 with a byte-order mark) as it is, or re-written as GBK
        // CSV or .xlsx (--encoding gbk, --format xlsx or --out name.xlsx).
        std::string path = a_.Get("out");
        if (path.empty()) {
          path = ex.filename();
          if (absl::AsciiStrToLower(a_.Get("format")) == "xlsx" && absl::EndsWith(path, ".csv")) {
            path = path.substr(0, path.size() - 4) + ".xlsx";
          }
        }
        auto w = ExportOptions(path);
        if (!w.ok()) return FailLocal(w.status());
        std::string bytes = ex.csv();
        if (w->format == TableFormat::kXlsx || w->encoding == TextEncoding::kGb18030) {
          auto table = ParseTable(ex.csv(), ReadTableOptions{TextEncoding::kUtf8, ""});
          if (!table.ok() || table->rows.empty()) {
            return FailLocal(absl::InternalError("ExportMetrics: 无法读取服务器的 CSV (unreadable CSV from the server)"));
          }
          std::vector<std::vector<std::string>> rows;
          for (size_t r = 1; r < table->rows.size(); ++r) rows.push_back(table->rows[r].cells);
          // 分子, 分母, 值 are numbers Excel can sum; codes (and 目标 ">=97.0") stay text.
          w->numeric_columns = {4, 5, 6};
          w->sheet_name = "指标";
          auto out = WriteTable(table->rows[0].cells, rows, *w);
          if (!out.ok()) return FailLocal(out.status());
          bytes = *out;
        }
        if (auto st = WriteFile(path, bytes); !st.ok()) return FailLocal(st);
        out_ << T(o_.lang, "saved") << " " << path << "\n";
        return kOk;
      }
      v1::MetricsReport rep;
      grpc::Status s = Invoke("MetricsService", "GetMetrics", req, &rep);
      if (!s.ok()) return Fail(s);
      if (o_.json) {
        out_ << ToJson(rep) << "\n";
        return kOk;
      }
      out_ << T(o_.lang, "period") << ": " << DateText(rep.period_start()) << " .. "
           << DateText(rep.period_end()) << "   " << T(o_.lang, "rule_set") << ": " << rep.rule_set()
           << "   " << T(o_.lang, "source") << ": " << rep.source() << "\n";
      Table t{{T(o_.lang, "col.region"), T(o_.lang, "col.indicator"), T(o_.lang, "col.numerator"),
               T(o_.lang, "col.denominator"), T(o_.lang, "col.value"), T(o_.lang, "col.target"),
               T(o_.lang, "col.met")},
              {}};
      const std::string only = a_.Get("indicator");
      auto add = [&](const v1::RegionMetrics& r) {
        for (const auto& i : r.indicators()) {
          if (!only.empty() && i.code() != only) continue;
          t.rows.push_back(IndicatorRow(r.name().empty() ? r.region() : r.name(), i));
        }
      };
      add(rep.region());
      if (a_.Has("children") || !only.empty()) {
        for (const auto& c : rep.children()) add(c);
      }
      return Emit(t, {2, 3});
    }
    if (sub == "trend") {
      v1::GetMetricTrendRequest req;
      req.set_region(a_.Get("region"));
      req.set_indicator(a_.Get("indicator", "management_rate"));
      if (auto s = FillPeriod(req.mutable_period()); !s.ok()) return FailLocal(s);
      if (auto s = FillVariant(req.mutable_variant()); !s.ok()) return FailLocal(s);
      v1::MetricTrend tr;
      grpc::Status s = Invoke("MetricsService", "GetMetricTrend", req, &tr);
      if (!s.ok()) return Fail(s);
      if (o_.json) {
        out_ << ToJson(tr) << "\n";
        return kOk;
      }
      Table t{{T(o_.lang, "col.month"), T(o_.lang, "col.indicator"), T(o_.lang, "col.numerator"),
               T(o_.lang, "col.denominator"), T(o_.lang, "col.value"), T(o_.lang, "col.target"),
               T(o_.lang, "col.met")},
              {}};
      out_ << T(o_.lang, "rule_set") << ": " << tr.rule_set() << "\n";
      for (const auto& p : tr.points()) t.rows.push_back(IndicatorRow(std::to_string(p.month()), p.value()));
      return Emit(t, {0, 2, 3});
    }
    if (sub == "patients") {
      v1::ListMetricPatientsRequest req;
      req.set_region(a_.Get("region"));
      req.set_indicator(a_.Get("indicator", "management_rate"));
      req.set_missing(a_.Has("missing"));
      req.mutable_page()->set_page_token(a_.Get("page-token"));
      if (auto s = FillPeriod(req.mutable_period()); !s.ok()) return FailLocal(s);
      if (auto s = FillVariant(req.mutable_variant()); !s.ok()) return FailLocal(s);
      v1::ListMetricPatientsResponse resp;
      grpc::Status s = Invoke("MetricsService", "ListMetricPatients", req, &resp);
      if (!s.ok()) return Fail(s);
      if (o_.json) {
        out_ << ToJson(resp) << "\n";
        return kOk;
      }
      out_ << T(o_.lang, "rule_set") << ": " << resp.rule_set() << "   " << T(o_.lang, "source")
           << ": " << resp.source() << "\n";
      Table t{{T(o_.lang, "col.patient_id"), T(o_.lang, "col.name"), T(o_.lang, "col.jurisdiction"),
               T(o_.lang, "col.reason")},
              {}};
      for (const auto& p : resp.patients()) t.rows.push_back({p.patient_id(), p.name(), p.jurisdiction(), p.reason()});
      while (a_.Has("out") && !resp.next_page_token().empty()) {  // an export holds every page
        req.mutable_page()->set_page_token(resp.next_page_token());
        if (s = Invoke("MetricsService", "ListMetricPatients", req, &resp); !s.ok()) return Fail(s);
        for (const auto& p : resp.patients()) t.rows.push_back({p.patient_id(), p.name(), p.jurisdiction(), p.reason()});
      }
      if (int rc = Emit(t); rc != kOk) return rc;
      if (!resp.next_page_token().empty()) out_ << "--page-token " << resp.next_page_token() << "\n";
      return kOk;
    }
    return Usage("metrics show|trend|patients|csv");
  }

  int Audit(const std::string& sub) {
    if (sub == "verify") {
      v1::VerifyAuditChainResponse resp;
      grpc::Status s = Invoke("AuditService", "VerifyAuditChain", v1::VerifyAuditChainRequest{}, &resp);
      if (!s.ok()) return Fail(s);
      if (o_.json) {
        out_ << ToJson(resp) << "\n";
      } else {
        out_ << T(o_.lang, resp.intact() ? "verify.ok" : "verify.bad") << " ("
             << resp.records_checked() << " / " << resp.checkpoints_checked() << ")"
             << (resp.intact() ? "" : ": " + resp.problem()) << "\n";
        if (resp.anchored()) {
          out_ << T(o_.lang, "verify.anchored") << ": " << resp.anchored_checkpoints_checked()
               << "\n";
        } else {
          out_ << T(o_.lang, "verify.unanchored") << "\n";
        }
      }
      return resp.intact() ? kOk : kTampered;
    }
    if (sub == "list") {
      v1::ListAuditRecordsRequest req;
      req.set_patient_id(a_.Get("patient"));
      req.set_user_id(a_.Get("user"));
      // Full RPC names ("/smd.v1.AdminService/ListUsers") or a server record's name;
      // outcome "OK", a status code name or NOT_OK (docs/api.md AuditService).
      req.set_method(a_.Get("method"));
      req.set_outcome(a_.Get("outcome"));
      req.mutable_page()->set_page_token(a_.Get("page-token"));
      v1::ListAuditRecordsResponse resp;
      grpc::Status s = Invoke("AuditService", "ListAuditRecords", req, &resp);
      if (!s.ok()) return Fail(s);
      if (o_.json) {
        out_ << ToJson(resp) << "\n";
        return kOk;
      }
      Table t{{T(o_.lang, "col.at"), T(o_.lang, "col.username"), T(o_.lang, "col.method"),
               T(o_.lang, "col.outcome")},
              {}};
      for (const auto& r : resp.records()) {
        t.rows.push_back({TimeText(r.at()), r.username(), r.method(), r.outcome()});
      }
      while (a_.Has("out") && !resp.next_page_token().empty()) {  // an export holds every page
        req.mutable_page()->set_page_token(resp.next_page_token());
        if (s = Invoke("AuditService", "ListAuditRecords", req, &resp); !s.ok()) return Fail(s);
        for (const auto& r : resp.records()) {
          t.rows.push_back({TimeText(r.at()), r.username(), r.method(), r.outcome()});
        }
      }
      if (int rc = Emit(t); rc != kOk) return rc;
      if (!resp.next_page_token().empty()) out_ << "--page-token " << resp.next_page_token() << "\n";
      return kOk;
    }
    return Usage("audit list|verify");
  }

  int User(const std::string& sub) {
    if (sub == "list") {
      // --jurisdiction, --role police, --status disabled|enabled|must-change-password|locked,
      // --query 文字 (fields of ListUsersRequest).
      return FieldsCall<v1::AdminService, v1::ListUsersRequest>(
          "ListUsers", {}, {}, v1::ListUsersRequest{}, {"page-token"});
    }
    if (sub == "create" || sub == "reset-password") {
      // The password is asked for (or read from stdin with --password-stdin), never a flag
      // that other users could see in the process list.
      const bool create = sub == "create";
      v1::CreateUserRequest cu;
      v1::ResetPasswordRequest rp;
      const std::string password = ReadPassword(in_, err_, o_.lang);
      if (create) {
        cu.set_password(password);
        // The administrator typed this password: the new user must change it at first
        // sign-in, unless --no-password-change (a password handed over some safe way).
        cu.set_must_change_password(!a_.Has("no-password-change"));
        return FieldsCall<v1::AdminService>("CreateUser", {"username"},
                                            {"username", "display_name", "role", "jurisdiction"},
                                            cu, {"no-password-change"});
      }
      rp.set_new_password(password);
      return FieldsCall<v1::AdminService>("ResetPassword", {"user_id"}, {"user_id"}, rp);
    }
    if (sub == "disable") {
      return FieldsCall<v1::AdminService, v1::DisableUserRequest>("DisableUser", {"user_id"},
                                                                  {"user_id"});
    }
    if (sub == "enable") {
      return FieldsCall<v1::AdminService, v1::EnableUserRequest>("EnableUser", {"user_id"},
                                                                 {"user_id"});
    }
    if (sub == "assign-role") {
      return FieldsCall<v1::AdminService, v1::AssignRoleRequest>(
          "AssignRole", {"user_id"}, {"user_id", "role", "jurisdiction"});
    }
    return Usage("user list|create <用户名>|disable <ID>|enable <ID>|reset-password <ID>|assign-role <ID>");
  }

  int Region(const std::string& sub) {
    if (sub == "list") {
      v1::ListRegionsRequest req;
      req.set_root(a_.Get("root"));
      req.set_depth(static_cast<int>(a_.GetInt("depth", 1).value_or(1)));
      return Unary<v1::RegionService>("ListRegions", req);
    }
    if (sub == "upsert") {
      return FieldsCall<v1::RegionService, v1::UpsertRegionRequest>("UpsertRegion", {"code"},
                                                                    {"code", "name"});
    }
    if (sub == "population") {
      return FieldsCall<v1::RegionService, v1::SetPopulationRequest>(
          "SetPopulation", {"code"}, {"code", "year", "residents"});
    }
    return Usage("region list|upsert <代码> --name ...|population <代码> --year --residents");
  }

  // ---- the service network (docs/cli.md "Service network") ---------------------------

  int Site(const std::string& sub) {
    if (sub == "list") {
      return FieldsCall<v1::ServiceNetworkService, v1::ListSitesRequest>("ListSites", {}, {});
    }
    if (sub == "set") {
      // The whole UpsertSiteRequest as JSON (kind-specific facts are nested messages).
      v1::UpsertSiteRequest req;
      auto json = ReadInput(a_.Get("file", "-"), in_);
      if (!json.ok()) return FailLocal(json.status());
      if (auto st = FromJson(*json, &req, "--file"); !st.ok()) return FailLocal(st);
      return Unary<v1::ServiceNetworkService>("UpsertSite", req);
    }
    if (sub == "close") {
      v1::SetSiteStatusRequest req;
      req.set_status(v1::SITE_STATUS_CLOSED);  // --status suspended|active overrides
      return FieldsCall<v1::ServiceNetworkService>(
          "SetSiteStatus", {"id"}, {"id", "expected_version", "effective_on"}, req);
    }
    if (sub == "targets") {
      return Unary<v1::ServiceNetworkService>("ListNetworkTargets", v1::ListNetworkTargetsRequest{});
    }
    if (sub == "import") return SiteImport();
    return Usage("site list [--region] [--kind] [--active-only] | site set --file 站点.json | "
                 "site close <ID> --expected-version N --effective-on YYYY-MM-DD [--status suspended] | "
                 "site import --file 站点.csv | site targets");
  }

  int Network(const std::string& sub) {
    const std::string what = Pos(2);
    if (sub == "counts" && what == "set") {
      // "network counts set": the request's fields start after the third word.
      return FieldsCall<v1::ServiceNetworkService, v1::SetNetworkCountRequest>(
          "SetNetworkCount", {}, {"region", "year", "kind", "count"}, {}, {}, 3);
    }
    if (sub == "counts" && (what == "list" || what.empty())) {
      return FieldsCall<v1::ServiceNetworkService, v1::ListNetworkCountsRequest>(
          "ListNetworkCounts", {}, {}, {}, {}, what.empty() ? 2 : 3);
    }
    return Usage("network counts set --region 代码 --year YYYY --kind universities --count N | "
                 "network counts list [--region] [--year]");
  }

  // smdctl site import --file sites.csv: one UpsertSite per row (each with its own
  // idempotency key), a result per row. A row whose site exists (same region, kind, name)
  // is skipped, so a rerun adds only what is new. Exit 0 when no row was refused, 2 otherwise.
  int SiteImport() {
    const std::string file = a_.Get("file");
    if (file.empty()) {
      return Usage("site import --file 站点.csv|站点.xlsx [--encoding utf-8|gbk] [--sheet 工作表]");
    }
    auto table = ReadTableFlags(file);
    if (!table.ok()) return FailLocal(table.status());
    auto rows = SiteRowsFromTable(*table);
    if (!rows.ok()) return FailLocal(rows.status());
    int imported = 0, already = 0;
    std::vector<std::vector<std::string>> results;  // line, outcome, column, reason
    const bool zh = o_.lang == Lang::kZh;
    for (const SiteCsvRow& r : *rows) {
      if (!r.error.empty()) {
        const auto colon = r.error.find(": ");
        results.push_back({std::to_string(r.line), zh ? "拒绝" : "refused",
                           r.error.substr(0, colon), r.error.substr(colon + 2)});
        continue;
      }
      v1::ServiceSite site;
      grpc::Status s = Invoke("ServiceNetworkService", "UpsertSite", r.request, &site);
      if (s.ok()) {
        ++imported;
        results.push_back({std::to_string(r.line), zh ? "导入" : "imported", "", site.id()});
        continue;
      }
      const grpc::StatusCode code = s.error_code();
      if (code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::UNAUTHENTICATED ||
          code == grpc::StatusCode::DEADLINE_EXCEEDED || code == grpc::StatusCode::INTERNAL) {
        return Fail(s);  // not the row's fault: stop; a rerun skips what was imported
      }
      if (code == grpc::StatusCode::ALREADY_EXISTS) {
        ++already;
        results.push_back({std::to_string(r.line), zh ? "已存在" : "exists", "", ""});
        continue;
      }
      // "field: 中文 (English)" -> the column of the field.
      const std::string msg = s.error_message();
      const auto colon = msg.find(": ");
      std::string column, reason = msg;
      if (colon != std::string::npos && msg.find(' ') > colon) {
        column = SiteColumnForField(msg.substr(0, colon));
        reason = msg.substr(colon + 2);
      } else if (code == grpc::StatusCode::PERMISSION_DENIED) {
        column = "所属区划代码";
      }
      results.push_back({std::to_string(r.line), zh ? "拒绝" : "refused", column, reason});
    }
    std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) {
      return std::stoi(a[0]) < std::stoi(b[0]);
    });
    const size_t refused = rows->size() - static_cast<size_t>(imported + already);
    if (o_.json) {
      out_ << "{\"rows\": " << rows->size() << ", \"imported\": " << imported
           << ", \"already_registered\": " << already << ", \"refused\": " << refused << "}\n";
    } else {
      out_ << (zh ? "共 " : "rows ") << rows->size() << (zh ? " 行：导入 " : ": imported ")
           << imported << (zh ? "，已存在跳过 " : ", already registered ") << already
           << (zh ? "，拒绝 " : ", refused ") << refused << "\n";
      Table t{{zh ? "行" : "line", zh ? "结果" : "result", zh ? "列" : "column",
               zh ? "说明" : "detail"},
              results};
      t.Print(out_);
    }
    return refused == 0 ? kOk : kRefused;
  }

  int Rules(const std::string& sub) {
    if (sub != "show") return Usage("rules show");
    v1::RuleSetInfo resp;
    grpc::Status s = Invoke("AdminService", "GetRuleSet", v1::GetRuleSetRequest{}, &resp);
    if (!s.ok()) return Fail(s);
    if (o_.json) {
      out_ << ToJson(resp) << "\n";
      return kOk;
    }
    const bool zh = o_.lang == Lang::kZh;
    out_ << T(o_.lang, "rule_set") << ": " << resp.name() << "  ("
         << T(o_.lang, "known_rule_sets") << ": " << absl::StrJoin(resp.known_rule_sets(), ", ")
         << ")\n";
    Table t{{T(o_.lang, "col.option"), T(o_.lang, "col.value"), T(o_.lang, "col.meaning"),
             T(o_.lang, "source")},
            {}};
    for (const auto& o : resp.options()) {
      t.rows.push_back({o.name(), o.value(), zh ? o.meaning_zh() : o.meaning_en(), o.source()});
    }
    t.Print(out_);
    for (const auto& d : resp.ack_deadlines()) {
      out_ << T(o_.lang, "ack_deadline") << " " << T(o_.lang, "severity") << " " << d.severity()
           << ": " << d.seconds() << "\n";
    }
    std::vector<std::string> roles;
    for (int r : resp.alert_duty_roles()) roles.push_back(RoleText(o_.lang, static_cast<v1::Role>(r)));
    out_ << T(o_.lang, "duty_roles") << ": " << absl::StrJoin(roles, ", ") << "\n"
         << T(o_.lang, "reroute_days") << ": " << resp.alert_reroute_days() << "\n"
         << T(o_.lang, "designated_hospital") << ": " << resp.designated_hospital() << "\n"
         << T(o_.lang, "server_version") << ": " << resp.server_version() << "\n";
    return kOk;
  }

  int Drugs(const std::string& sub) {
    if (sub != "list") return Usage("drugs list");
    v1::ListDrugsResponse resp;
    grpc::Status s = Invoke("FollowUpService", "ListDrugs", v1::ListDrugsRequest{}, &resp);
    if (!s.ok()) return Fail(s);
    if (o_.json) {
      out_ << ToJson(resp) << "\n";
      return kOk;
    }
    auto range = [](double lo, double hi) {
      if (lo == 0 && hi == 0) return std::string("-");
      return absl::StrCat(lo == 0 ? "-" : absl::StrCat(lo), "–", hi == 0 ? "-" : absl::StrCat(hi));
    };
    Table t{{T(o_.lang, "col.code"), T(o_.lang, "col.name"), T(o_.lang, "col.kind"),
             T(o_.lang, "col.daily_mg"), T(o_.lang, "col.dose_mg"),
             T(o_.lang, "col.interval_weeks")},
            {}};
    for (const auto& d : resp.drugs()) {
      t.rows.push_back({d.code(), o_.lang == Lang::kZh ? d.name_zh() : d.name_en(),
                        std::to_string(d.kind()), range(d.min_daily_mg(), d.max_daily_mg()),
                        range(d.min_dose_mg(), d.max_dose_mg()),
                        range(d.min_interval_weeks(), d.max_interval_weeks())});
    }
    t.Print(out_);
    return kOk;
  }

  std::string HelpText() const {
    return R"(smdctl — 严重精神障碍社区管理服务的命令行客户端 (command-line client of the smd server)

用法 usage: smdctl [--server host:port] [--ca ca.pem [--cert c.pem --key c.key] | --insecure] [--json] [--lang zh|en]
                  [--retries N] [--idempotency-key KEY] <命令> ...

  login --user <用户名>                 登录（密码从终端或标准输入读取） sign in
  logout | whoami
  password                              修改自己的密码（先原密码，后新密码） change your password
  patient register --file 患者.json     登记患者 (PatientDetails JSON; - = stdin)
  patient show <患者ID> | patient search [--name] [--id-number] [--region] [--min-risk]
  patient import --file 登记表.csv|登记表.xlsx [--encoding utf-8|gbk] [--sheet 工作表] [--batch 500]
                                        批量导入 bulk import: UTF-8 或 GBK 的 CSV、Excel (docs/import.md)
  patient template [--out 登记表模板.xlsx]  导入模板，列为文本格式 the import template, text columns
  patient update <患者ID> --version N --file 患者.json | patient close <患者ID> --version N
      --kind death|cancellation --date YYYY-MM-DD [--death-cause 1-6] [--reason 原因]
  patient transfer <患者ID> --version N --to-jurisdiction 代码 [--reason] 转出 transfer out
  patient transfers [--pending-only true] | patient transfer-in <转移ID> [--accept] [--note]
  followup record <患者ID> --file 随访.json [--date YYYY-MM-DD] [--risk 0-5]
  followup list <患者ID> [--history] | followup timeline <患者ID>
  worklist [overdue|due-soon|unstable|discharged|review] [--region]
  team list <患者ID> | team mine | team gaps [--region]
  team eligible <患者ID> --team-role police   可加入小组的用户 accounts that may join
  team add <患者ID> --team-role police --user-id <用户ID> | --contact-name --contact-phone
  team end <成员ID> [--end-date YYYY-MM-DD] [--reason 原因]
  rehab record <患者ID> --session-date YYYY-MM-DD --activity sunshine-garden --place 地点
      [--programme] [--duration-minutes] [--run-by] [--note]   社区康复 community rehab
  rehab support <患者ID> --support-date YYYY-MM-DD --recipients patient|family|both
      --method face-to-face|phone|online [--family-members] [--provider] [--note]  心理疏导
  rehab list <患者ID> [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--kind session|support]
  alerts watch [--after 序号] [--once]  实时接收预警，断线自动续传 live alerts, resumes
  alerts inbox [--unacked] | alerts ack <序号> [--note 备注] | alerts raise <患者ID> --severity 1-4 --cause 原因
  alerts gaps [--region 代码] [--all]  无人接收的预警（管理员） alerts nobody of a required role got (admin)
  metrics show [--region] [--year] [--month] [--as-of] [--children] [--indicator 代码]
  metrics trend --indicator 代码 | metrics patients --indicator 代码 [--missing] | metrics csv [--out 文件]
    (每个 metrics 命令可加 --variant jiangsu|national|r1|r2|last-visit|any-record 选择统计口径)
  表格导出 export a table: 列表命令加 --out 文件 [--format csv|xlsx] [--encoding utf-8|gbk]
      (patient search, worklist, followup list, alerts inbox, metrics ..., audit list; docs/cli.md)
  audit list [--patient] [--user] [--method /smd.v1.服务/方法] [--outcome OK|NOT_OK|状态码] | audit verify
  user list [--role police] [--status enabled|disabled|must-change-password|locked] [--query 文字]
      [--jurisdiction 代码]             按角色、状态、用户名或姓名筛选 filter users
  user create <用户名> --display-name --role doctor --jurisdiction 代码
      [--no-password-change]            默认新用户首次登录须改密码 the user must change it first
  user disable|enable|reset-password <用户ID> | user assign-role <用户ID> --role --jurisdiction
  region list [--root] [--depth] | region upsert <代码> --name 名称
  region population <代码> --year YYYY --residents N  常住人口 resident population
  site list [--region] [--kind counselling-room] [--active-only]  服务网络站点 service sites
  site set --file 站点.json             登记或修改站点 (UpsertSiteRequest JSON) register/edit
  site close <站点ID> --expected-version N --effective-on YYYY-MM-DD [--status suspended|active]
  site import --file 站点.csv           批量导入 bulk import (docs/import.md) | site targets
  network counts set --region 代码 --year YYYY --kind universities --count N  学校等数量
  network counts list [--region] [--year]
  rules show                            服务器的规则集及选项（管理员） the server's rule set (admin)
  drugs list                            药品目录 the drug catalogue
  call <Service>.<Method> ['{json}' | -]  调用任意接口 any RPC, JSON in and out

退出码 exit codes: 0 成功 ok · 1 用法错误 usage · 2 服务器拒绝 refused · 3 未登录或无权限 auth ·
4 无法连接 unreachable · 5 其他错误 other · 6 审计链被篡改 audit chain broken
会话保存在 session kept in $SMDCTL_CONFIG_DIR or ~/.config/smdctl/session (0600).
写入带幂等键，无法连接时自动重试 (--retries 5)；重跑同一命令加 --idempotency-key 键 不会重复写入
writes carry an idempotency key and are retried when the server is unreachable (--retries 5);
rerun a command with --idempotency-key KEY (printed on failure) to retry it without writing twice.
)";
  }

  std::ostream& out_;
  std::ostream& err_;
  std::istream& in_;
  std::string invocation_key_;  // the idempotency key of this invocation's writes
  int writes_ = 0;              // writes sent so far (each with its own key)
  int retries_ = 5;
  Args a_;
  Options o_;
  Session session_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace

int Run(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err,
        std::istream& in) {
  Cli cli(out, err, in);
  return cli.Main(argv);
}

}  // namespace smdctl
