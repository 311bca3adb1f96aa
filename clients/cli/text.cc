#include "text.h"

#include <map>
#include <utility>

namespace smdctl {

std::string T(Lang lang, const std::string& key) {
  static const std::map<std::string, std::pair<const char*, const char*>> kTexts = {
      // Columns.
      {"col.patient_id", {"患者ID", "patient id"}},
      {"col.name", {"姓名", "name"}},
      {"col.sex", {"性别", "sex"}},
      {"col.birth", {"出生日期", "birth date"}},
      {"col.jurisdiction", {"辖区", "jurisdiction"}},
      {"col.status", {"状态", "status"}},
      {"col.risk", {"危险性", "risk"}},
      {"col.class", {"分类", "class"}},
      {"col.version", {"版本", "version"}},
      {"col.seq", {"序号", "seq"}},
      {"col.kind", {"类别", "kind"}},
      {"col.severity", {"级别", "severity"}},
      {"col.cause", {"原因", "cause"}},
      {"col.raised", {"发出时间", "raised at"}},
      {"col.acked", {"确认", "acknowledged"}},
      {"col.region", {"地区", "region"}},
      {"col.indicator", {"指标", "indicator"}},
      {"col.numerator", {"分子", "numerator"}},
      {"col.denominator", {"分母", "denominator"}},
      {"col.value", {"值", "value"}},
      {"col.target", {"目标", "target"}},
      {"col.met", {"达标", "met"}},
      {"col.month", {"月份", "month"}},
      {"col.reason", {"原因", "reason"}},
      {"col.visit_date", {"随访日期", "visit date"}},
      {"col.next_due", {"下次随访", "next visit"}},
      {"col.date", {"日期", "date"}},
      {"col.event", {"事件", "event"}},
      {"col.summary", {"摘要", "summary"}},
      {"col.role", {"角色", "role"}},
      {"col.user", {"用户", "user"}},
      {"col.username", {"用户名", "username"}},
      {"col.at", {"时间", "at"}},
      {"col.method", {"操作", "method"}},
      {"col.outcome", {"结果", "outcome"}},
      {"col.member_id", {"成员ID", "member id"}},
      {"col.code", {"代码", "code"}},
      {"col.level", {"级别", "level"}},
      {"col.missing_role", {"缺少的角色", "missing role"}},
      {"col.duty", {"值班接收", "duty copies"}},
      {"col.resolved", {"已补发", "resolved"}},
      // Words.
      {"yes", {"是", "yes"}},
      {"no", {"否", "no"}},
      {"unavailable", {"无数据", "unavailable"}},
      {"prompt.password", {"密码: ", "Password: "}},
      {"login.ok", {"已登录", "Signed in as"}},
      {"logout.ok", {"已退出登录", "Signed out"}},
      {"prompt.old_password", {"原密码: ", "Old password: "}},
      {"prompt.new_password", {"新密码: ", "New password: "}},
      {"password.required",
       {"须先修改密码：请运行 smdctl password", "password change required: run smdctl password"}},
      {"password.changed",
       {"密码已修改，所有会话已退出，请重新登录",
        "Password changed; every session ended: sign in again"}},
      {"not_logged_in", {"尚未登录，请先运行 smdctl login", "not signed in: run smdctl login"}},
      {"watch.waiting", {"正在等待预警（Ctrl-C 退出）…", "Waiting for alerts (Ctrl-C to stop)…"}},
      {"alert.new", {"新预警", "New alert"}},
      {"watch.resync",
       {"保存的游标超出最新预警，已从最新预警重新同步（更早的预警见 alerts inbox），游标",
        "the kept cursor was beyond your newest alert; resynchronised (older alerts: alerts "
        "inbox), cursor"}},
      {"ack.ok", {"已确认预警", "Acknowledged alert"}},
      {"saved", {"已保存", "Saved"}},
      {"registered", {"已登记患者", "Registered patient"}},
      {"recorded", {"已记录随访", "Recorded follow-up"}},
      {"next_visit", {"下次随访日期", "next visit"}},
      {"classification", {"本次分类", "classification"}},
      {"alerted", {"已发出预警", "alert sent"}},
      {"verify.ok", {"审计链完整", "audit chain intact"}},
      {"verify.bad", {"审计链被篡改", "audit chain TAMPERED"}},
      {"verify.anchored", {"与外部锚点一致的检查点", "checkpoints matching the external anchor"}},
      {"verify.unanchored",
       {"警告：服务器未配置外部锚点文件，无法发现数据库超级用户对审计链末端的改写",
        "warning: the server has no external anchor file; a database superuser's rewrite of "
        "the chain's end would not be seen"}},
      {"source", {"数据来源", "source"}},
      {"rule_set", {"规则集", "rule set"}},
      {"period", {"统计期", "period"}},
  };
  auto it = kTexts.find(key);
  if (it == kTexts.end()) return key;
  return lang == Lang::kZh ? it->second.first : it->second.second;
}

}  // namespace smdctl
