// The DApp kit: install and the request flow (dapp_kit.hpp, docs/dapps.md).
#include "tools/dapps/kit/dapp_kit.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "chains/contracts/contract_commission.hpp"
#include "chains/contracts/contract_module.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/state/contract_tx.hpp"
#include "chains/state/dsmeta_tx.hpp"
#include "chains/state/services_tx.hpp"
#include "protocols/services_json.hpp"
#include "runtime/key_file.hpp"
#include "runtime/tx_text.hpp"
#include "tools/client/submission.hpp"
#include "tools/dapps/kit/journal.hpp"
#include "tools/dapps/kit/service_desk_code.hpp"

namespace bfd::dapps {

namespace fs = std::filesystem;
using cli::chain_endpoint;
using cli::command_failure;
using cli::node_answer;

namespace {

/// Fuel of a service-desk call: the largest entry uses about 12,000 units.
constexpr std::uint64_t call_fuel = 100'000;
constexpr const char* template_name = "service-desk";

std::string state_dir_of(const common_options& o) {
  if (!o.state_dir.empty())
    return o.state_dir;
  const char* env = std::getenv("BFD_DAPP_DIR");
  return env && *env ? env : ".bfd-dapps";
}

std::string uuid_of(const dapp_profile& p, const common_options& o) {
  return o.uuid.empty() ? default_uuid(p.symbol) : o.uuid;
}

std::chrono::seconds timeout_of(const common_options& o) {
  auto t = cli::parse_uint("--timeout", o.timeout_text, 86'400);
  return std::chrono::seconds(t ? *t : 60);
}

/// Stops here when BFD_DAPP_PAUSE_AT names `stage`: the crash tests kill the process at that point.
void pause_point(const std::string& stage) {
  const char* at = std::getenv("BFD_DAPP_PAUSE_AT");
  if (!at || stage != at)
    return;
  fmt::print(stderr, "dapp: paused at {}\n", stage);
  std::fflush(stderr);
  for (;;)
    std::this_thread::sleep_for(std::chrono::seconds(1));
}

template <class T>
bool failed(const std::variant<T, command_result>& v) {
  return std::holds_alternative<command_result>(v);
}
template <class T>
command_result failure(const std::variant<T, command_result>& v) {
  return std::get<command_result>(v);
}

std::variant<chain_endpoint, command_result> endpoint(const common_options& o, std::optional<chain_id> chain) {
  cli::network_options net = o.net;
  if (chain)
    net.chain = std::to_string(*chain);
  else
    net.chain.reset();
  return cli::open_chain_endpoint(net);
}

cli::tx_options tx_opts(const common_options& o, const std::string& key_file, std::optional<chain_id> chain) {
  cli::tx_options t;
  t.key_file = key_file;
  t.fee_text = "0";
  t.timeout_text = o.timeout_text;
  t.net = o.net;
  if (chain)
    t.net.chain = std::to_string(*chain);
  else
    t.net.chain.reset();
  return t;
}

result<key_pair> read_key(const std::string& file, const char* option) {
  auto k = runtime::read_key_file(file);
  if (!k)
    return make_error(k.error().code, std::string(option) + ": " + k.error().detail);
  return k;
}

/// Signs `payload` on `chain` with `key_file`, sends it and waits for finality: the final
/// transaction's JSON, or the node's refusal.
std::variant<json, command_result> send_and_wait(const common_options& o, const std::string& key_file,
                                                 std::optional<chain_id> chain, tx_payload payload, amount extra_fee) {
  auto s = cli::sign_for_chain(tx_opts(o, key_file, chain), std::move(payload), extra_fee);
  if (failed(s))
    return failure(s);
  auto& st = std::get<cli::signed_tx>(s);
  auto id = cli::post_transaction(st.at, st.tx);
  if (failed(id))
    return failure(id);
  return cli::await_final(st.at.node, st.at.chain, std::get<std::string>(id), st.timeout, false);
}

/// The request id's bytes: 1-32 bytes of text.
result<bytes> request_bytes(const std::string& rid) {
  if (rid.empty() || rid.size() > 32)
    return make_error(errc::invalid_argument, "--request-id: 1 to 32 bytes");
  for (char c : rid)
    if (c < 0x21 || c > 0x7e)
      return make_error(errc::invalid_argument, "--request-id: printable ASCII without spaces");
  return bytes(rid.begin(), rid.end());
}

bytes state_key(char prefix, const bytes& rest) {
  bytes k{static_cast<byte>(prefix), static_cast<byte>('.')};
  k.insert(k.end(), rest.begin(), rest.end());
  return k;
}

bytes le64(std::uint64_t v) {
  bytes b(8);
  for (int i = 0; i < 8; ++i)
    b[static_cast<std::size_t>(i)] = static_cast<byte>(v >> (8 * i));
  return b;
}

std::uint64_t read_le64(const bytes& b, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | b[at + static_cast<std::size_t>(i)];
  return v;
}

/// One value of the contract's state, read (signed) by `key_file`: nullopt when the key is absent.
std::variant<std::optional<bytes>, command_result> read_state(const common_options& o, chain_id chain,
                                                              const std::string& contract, const bytes& key,
                                                              const std::string& key_file) {
  auto at = endpoint(o, chain);
  if (failed(at))
    return failure(at);
  auto r = cli::read_chain_route(std::get<chain_endpoint>(at), "/contracts/" + contract + "/state/" + to_hex(key),
                                 key_file);
  if (auto* f = std::get_if<command_result>(&r)) {
    if (f->reason == "not_found")
      return std::optional<bytes>{};
    return *f;
  }
  auto v = from_hex(cli::text_field(std::get<node_answer>(r).body, "value", ""));
  if (!v)
    return command_failure("bad_response", "a state value that is not hex");
  return std::optional<bytes>{std::move(*v)};
}

/// The registry's view of the service: its id, status, and what resolve says for the chain.
struct resolved_service {
  std::uint64_t id = 0;
  std::string status;
  std::uint64_t version = 0;
  std::string contract;
  json commission;
};

std::variant<resolved_service, command_result> resolve_service(const dapp_profile& p, const common_options& o) {
  auto main = endpoint(o, std::nullopt);
  if (failed(main))
    return failure(main);
  auto& at = std::get<chain_endpoint>(main);
  auto s = at.node.get("/v1/services/" + uuid_of(p, o));
  if (auto* f = std::get_if<command_result>(&s)) {
    if (f->reason == "unknown_service" || f->reason == "not_found")
      return command_failure("unknown_service",
                             fmt::format("the {} service (uuid {}) is not registered: run {} install", p.title,
                                         uuid_of(p, o), p.program));
    return *f;
  }
  resolved_service r;
  const auto& body = std::get<node_answer>(s).body;
  r.id = cli::number_field(body, "id");
  r.status = cli::text_field(body, "status");
  auto res = at.node.get(fmt::format("/v1/services/{}/resolve/{}", r.id, p.chain));
  if (auto* f = std::get_if<command_result>(&res))
    return *f;
  const auto& rb = std::get<node_answer>(res).body;
  r.version = cli::number_field(rb, "version");
  r.contract = cli::text_field(rb, "address", "");
  r.commission = rb.contains("commission") ? rb["commission"] : json();
  return r;
}

/// The commission the registry's model charges on `value` (what the chain charges when the
/// instance's parameters match it), for display; nullopt for a model the client cannot evaluate.
std::optional<amount> expected_commission(const json& c, amount value, std::uint64_t height, std::uint64_t calls) {
  const auto kind = cli::text_field(c, "kind", "");
  std::string text;
  if (kind == "percent")
    text = fmt::format("percent:{}", cli::number_field(c, "basis_points"));
  else if (kind == "fixed")
    text = fmt::format("fixed:{}", cli::number_field(c, "amount_units", cli::number_field(c, "amount")));
  else if (kind == "expression")
    text = "expr:" + cli::text_field(c, "expression", "");
  else
    return std::nullopt;
  auto m = contract::parse_commission(text);
  if (!m)
    return std::nullopt;
  auto fee = contract::evaluate_commission(*m, value, height, calls);
  return fee ? std::optional<amount>(*fee) : std::nullopt;
}

/// Where a transaction of a *_sent stage stands: final (its JSON), refused or gone (the reason),
/// or still unknown to the node, in which case its bytes are sent again first.
std::variant<json, command_result> settle(const common_options& o, chain_id chain, const journal_entry& e) {
  auto at = endpoint(o, chain);
  if (failed(at))
    return failure(at);
  auto& ep = std::get<chain_endpoint>(at);
  auto known = ep.node.get(ep.chain.path("/txs/" + e.tx_id));
  if (auto* f = std::get_if<command_result>(&known); f && f->reason == "not_found") {
    auto tx = from_hex(e.tx_hex);
    if (!tx)
      return command_failure("bad_journal", "a journaled transaction that is not hex");
    auto reply = ep.node.post(ep.chain.path("/txs"), json{{"hex", e.tx_hex}});
    if (auto* pf = std::get_if<command_result>(&reply))
      return *pf;
  }
  return cli::await_final(ep.node, ep.chain, e.tx_id, timeout_of(o), false);
}

/// Signs `payload` for the entry's current step, journals it (stage `stage`, its id and bytes)
/// and only then sends it.
std::variant<std::monostate, command_result> sign_journal_send(const common_options& o, journal& j, journal_entry& e,
                                                               const std::string& key_file, chain_id chain,
                                                               tx_payload payload, amount extra_fee,
                                                               const std::string& stage) {
  auto s = cli::sign_for_chain(tx_opts(o, key_file, chain), std::move(payload), extra_fee);
  if (failed(s))
    return failure(s);
  auto& st = std::get<cli::signed_tx>(s);
  e.stage = stage;
  e.tx_id = cli::transaction_id_hex(st.tx);
  e.tx_hex = runtime::transaction_hex(st.tx);
  if (auto saved = j.save(); !saved)
    return cli::to_command_result(saved);
  pause_point(stage + "_signed");
  auto id = cli::post_transaction(st.at, st.tx);
  if (failed(id))
    return failure(id);
  return std::monostate{};
}

status advance(journal& j, journal_entry& e, const std::string& stage) {
  e.stage = stage;
  e.tx_id.clear();
  e.tx_hex.clear();
  auto st = j.save();
  if (st)
    pause_point(stage);
  return st;
}

contract_call_tx desk_call(const journal_entry& e, const std::string& entry, bytes input, amount value) {
  contract_call_tx c;
  c.contract = *parse_address(e.contract);
  c.entry = entry;
  c.input = std::move(input);
  c.fuel = call_fuel;
  c.value = value;
  return c;
}

/// Bytes as text when they are printable ASCII, else as hex (a document hash).
std::string text_or_hex(const bytes& b) {
  for (auto c : b)
    if (c < 0x20 || c > 0x7e)
      return to_hex(byte_view(b.data(), b.size()));
  return std::string(b.begin(), b.end());
}

bytes rid_prefix(const std::string& rid) {
  bytes in{static_cast<byte>(rid.size())};
  in.insert(in.end(), rid.begin(), rid.end());
  return in;
}

/// Runs one journaled request to its end; the result says committed, or why it stopped.
command_result drive(const dapp_profile& p, const request_options& o, journal& j, journal_entry& e, json& out) {
  const auto rid = bytes(e.request_id.begin(), e.request_id.end());
  const auto rkey = state_key('r', rid);
  // The request record, read by the operator (a reader of the contract).
  auto record = [&]() { return read_state(o, p.chain, e.contract, rkey, o.operator_file); };
  for (int steps = 0; steps < 32; ++steps) {
    out["stage"] = e.stage;
    if (e.stage == "resolved") {
      auto in = rid_prefix(e.request_id);
      const auto fund = le64(e.fund);
      in.insert(in.end(), fund.begin(), fund.end());
      auto payload = from_hex(e.payload_hex);
      in.insert(in.end(), payload->begin(), payload->end());
      auto sent = sign_journal_send(o, j, e, e.requester, p.chain, desk_call(e, "request", std::move(in), e.value),
                                    contract::fuel_fee(call_fuel), "call_sent");
      if (failed(sent)) {
        auto f = failure(sent);
        if (f.reason == "commission_unpaid" || f.reason == "insufficient_funds" || f.reason == "access_denied") {
          j.drop(e.request_id);
          (void)j.save();
          return f;  // refused at admission: nothing was committed anywhere
        }
        return f;  // journaled: `resume` finds out what happened to it
      }
      continue;
    }
    if (e.stage == "call_sent") {
      auto s = settle(o, p.chain, e);
      if (auto* body = std::get_if<json>(&s)) {
        const auto& r = cli::object_field(*body, "contract_result");
        out["call_tx"] = e.tx_id;
        if (cli::text_field(r, "status", "") == "success") {
          if (auto st = advance(j, e, "called"); !st)
            return cli::to_command_result(st);
          continue;
        }
        auto rec = record();
        if (failed(rec))
          return failure(rec);
        if (std::get<std::optional<bytes>>(rec)) {
          out["note"] = "the request id was committed on the contract before";
          if (auto st = advance(j, e, "called"); !st)
            return cli::to_command_result(st);
          continue;
        }
        j.drop(e.request_id);
        (void)j.save();
        return command_failure("request_failed", "the service contract refused the request: " +
                                                     cli::text_field(r, "error", "no detail"));
      }
      auto f = failure(s);
      if (f.exit_code == 2 || f.reason == "connection_failed" || f.reason == "timeout")
        return f;  // still open: resume later
      // Refused or expired: committed by an earlier transaction, or sign again.
      auto rec = record();
      if (failed(rec))
        return failure(rec);
      if (auto st = advance(j, e, std::get<std::optional<bytes>>(rec) ? "called" : "resolved"); !st)
        return cli::to_command_result(st);
      continue;
    }
    if (e.stage == "called") {
      auto sent = sign_journal_send(o, j, e, o.operator_file, static_cast<chain_id>(e.fund),
                                    ds_usage_record_tx{e.service, rid, e.value}, 0, "usage_sent");
      if (failed(sent)) {
        auto f = failure(sent);
        if (f.reason == "ds_duplicate_request") {
          if (auto st = advance(j, e, "recorded"); !st)
            return cli::to_command_result(st);
          continue;
        }
        if (f.reason == "ds_not_active" || f.reason == "ds_no_org" || f.reason == "access_denied"
            || f.reason == "locked") {
          e.cancel_reason = f.reason + ": " + f.detail;
          if (auto st = advance(j, e, "cancel"); !st)
            return cli::to_command_result(st);
          continue;
        }
        return f;
      }
      continue;
    }
    if (e.stage == "usage_sent") {
      auto s = settle(o, static_cast<chain_id>(e.fund), e);
      if (auto* body = std::get_if<json>(&s)) {
        out["usage_tx"] = e.tx_id;
        if (auto st = advance(j, e, "recorded"); !st)
          return cli::to_command_result(st);
        continue;
      }
      auto f = failure(s);
      if (f.exit_code == 2 || f.reason == "connection_failed" || f.reason == "timeout")
        return f;
      if (f.reason == "ds_not_active" || f.reason == "ds_no_org" || f.reason == "access_denied") {
        e.cancel_reason = f.reason + ": " + f.detail;  // refused for good in a block: compensate
        if (auto st = advance(j, e, "cancel"); !st)
          return cli::to_command_result(st);
        continue;
      }
      if (auto st = advance(j, e, "called"); !st)  // rejected: sign again (a duplicate counts as recorded)
        return cli::to_command_result(st);
      continue;
    }
    if (e.stage == "recorded" || e.stage == "cancel") {
      const bool cancel = e.stage == "cancel";
      auto sent = sign_journal_send(o, j, e, o.operator_file, p.chain,
                                    desk_call(e, cancel ? "cancel" : "ack", rid_prefix(e.request_id), 0),
                                    contract::fuel_fee(call_fuel), cancel ? "cancel_sent" : "ack_sent");
      if (failed(sent))
        return failure(sent);
      continue;
    }
    if (e.stage == "ack_sent" || e.stage == "cancel_sent") {
      const bool cancel = e.stage == "cancel_sent";
      auto s = settle(o, p.chain, e);
      if (failed(s)) {
        auto f = failure(s);
        if (f.exit_code == 2 || f.reason == "connection_failed" || f.reason == "timeout")
          return f;
        if (auto st = advance(j, e, cancel ? "cancel" : "recorded"); !st)
          return cli::to_command_result(st);
        continue;
      }
      // Success, or a trap because the lock was released already: the record's status says which.
      auto rec = record();
      if (failed(rec))
        return failure(rec);
      const auto& v = std::get<std::optional<bytes>>(rec);
      const int status = v && !v->empty() ? (*v)[0] : 0;
      if (status != (cancel ? 3 : 2))
        return command_failure("request_failed", fmt::format("the request's status is {} after {}", status,
                                                             cancel ? "cancel" : "ack"));
      out[cancel ? "cancel_tx" : "ack_tx"] = e.tx_id;
      const auto reason = e.cancel_reason;
      j.drop(e.request_id);
      if (auto st = j.save(); !st)
        return cli::to_command_result(st);
      if (cancel)
        return command_failure("compensated", "the usage record could not be written (" + reason +
                                                  "): the request was cancelled on the service contract");
      out["stage"] = "acknowledged";
      return {};
    }
    return command_failure("bad_journal", "unknown stage '" + e.stage + "'");
  }
  return command_failure("request_failed", "the request did not settle in 32 steps");
}

/// The fund's DS metadata check: it exists, is active, and (for members-only services) the
/// requester is a member, read by the operator (a holder of read on the fund).
command_result check_fund(const dapp_profile& p, const request_options& o, chain_id fund, const address& requester) {
  auto at = endpoint(o, fund);
  if (failed(at))
    return failure(at);
  auto& ep = std::get<chain_endpoint>(at);
  auto ds = ep.node.get(ep.chain.path("/ds"));
  if (auto* f = std::get_if<command_result>(&ds))
    return command_failure("not_a_fund", fmt::format("chain {} has no DS metadata: {}: {}", fund, f->reason, f->detail));
  const auto status = cli::text_field(std::get<node_answer>(ds).body, "status", "");
  if (status == "unregistered")
    return command_failure("ds_no_org", fmt::format("fund chain {} has no organisation registered", fund));
  if (status != "active")
    return command_failure("ds_not_active", fmt::format("fund chain {} is {}, not active", fund, status));
  if (!p.members_only)
    return {};
  // The page that starts right after the address before the requester's begins with it when it
  // is a member.
  auto before = requester;
  int i = 19;
  while (i >= 0 && before[static_cast<std::size_t>(i)] == 0)
    before[static_cast<std::size_t>(i--)] = 0xff;
  std::string route = "/ds/members";
  if (i >= 0) {
    before[static_cast<std::size_t>(i)] -= 1;
    route += "/" + format_address(before);
  }
  auto page = cli::read_chain_route(ep, route, o.operator_file);
  if (auto* f = std::get_if<command_result>(&page))
    return command_failure(f->reason, "reading the fund's members with the operator's key: " + f->detail);
  const auto& members = std::get<node_answer>(page).body["members"];
  if (!members.is_array() || members.empty() || cli::text_field(members[0], "account", "") != format_address(requester))
    return command_failure("not_a_member", fmt::format("{} is not a member of fund {}: the {} service serves members only",
                                                       format_address(requester), fund, p.title));
  return {};
}

} // namespace

std::string default_uuid(const std::string& symbol) {
  const std::string seed = "bfd-dapp:" + symbol;
  const auto h = sha256(byte_view(reinterpret_cast<const byte*>(seed.data()), seed.size()));
  return to_hex(byte_view(h.data.data(), 16));
}

void print_result(const common_options& o, const json& j) {
  if (o.json_out) {
    fmt::print("{}\n", j.dump());
    return;
  }
  for (const auto& [k, v] : j.items())
    fmt::print("{}: {}\n", k, v.is_string() ? v.get<std::string>() : v.dump());
}

void add_common_options(CLI::App& cmd, common_options& o) {
  cli::add_node_option(cmd, o.net.node_url);
  cmd.add_option("--state-dir", o.state_dir, "Where the DApp keeps its journal and install record "
                                             "(default $BFD_DAPP_DIR, else ./.bfd-dapps)")
    ->type_name("DIR");
  cmd.add_flag("--json", o.json_out, "Print the result as one JSON object");
  cmd.add_option("--timeout", o.timeout_text, "Seconds to wait for each transaction's finality")
    ->type_name("SECONDS")
    ->capture_default_str();
  cmd.add_option("--uuid", o.uuid, "The service's registry uuid (default: derived from the DApp's symbol)")
    ->type_name("HEX");
}

command_result run_install(const dapp_profile& p, const install_options& o) {
  json out{{"service", nullptr}, {"uuid", uuid_of(p, o)}, {"chain", p.chain}};
  // 1. Registered already: nothing to do.
  if (auto r = resolve_service(p, o); !failed(r)) {
    const auto& s = std::get<resolved_service>(r);
    out["service"] = s.id;
    out["contract"] = s.contract;
    out["installed"] = "already";
    print_result(o, out);
    return {};
  } else if (failure(r).reason != "unknown_service") {
    return failure(r);
  }
  auto owner = read_key(o.key_file, "--key");
  if (!owner)
    return cli::to_command_result(owner.error());
  const auto owner_addr = address_of(owner->pub);
  address op = owner_addr;
  if (!o.operator_addr.empty()) {
    auto a = parse_address(o.operator_addr);
    if (!a)
      return cli::to_command_result(make_error(a.error().code, "--operator: " + a.error().detail));
    op = *a;
  }
  const auto commission_text = o.commission.empty() ? p.default_commission : o.commission;
  auto registry_commission = services_json::parse_commission(commission_text);
  if (!registry_commission)
    return cli::to_command_result(make_error(registry_commission.error().code, "--commission: " + registry_commission.error().detail));
  if (auto m = contract::parse_commission(commission_text); !m)
    return cli::to_command_result(make_error(m.error().code, "--commission: " + m.error().detail));
  amount price = p.default_price;
  if (!o.price_text.empty()) {
    auto v = parse_amount(o.price_text);
    if (!v)
      return cli::to_command_result(make_error(v.error().code, "--price: " + v.error().detail));
    price = *v;
  }
  // 2. The template on the chain: its id is the hash of the publish payload, so look it up first.
  contract_publish_tx pub;
  pub.template_name = template_name;
  pub.version = 1;
  pub.code = service_desk_code();
  pub.param_names = {"commission", "commission_to", "billable", "price", "operator"};
  pub.param_types = {contract::param_type::bytes, contract::param_type::address, contract::param_type::bytes,
                     contract::param_type::amount, contract::param_type::address};
  pub.entry_points = {"request", "ack", "cancel", "answer"};
  const auto tid = contract::template_id(pub);
  auto at = endpoint(o, p.chain);
  if (failed(at))
    return failure(at);
  auto& ep = std::get<chain_endpoint>(at);
  auto have = ep.node.get(ep.chain.path("/contracts/templates/" + to_hex(tid)));
  if (auto* f = std::get_if<command_result>(&have)) {
    if (f->reason != "not_found")
      return *f;
    const auto publisher = o.publisher_file.empty() ? o.key_file : o.publisher_file;
    const amount code_fee = (pub.code.size() + 99) / 100;
    auto done = send_and_wait(o, publisher, p.chain, pub, code_fee);
    if (failed(done) && failure(done).reason != "template_exists")
      return failure(done);
    out["template_published"] = true;
  }
  out["template"] = to_hex(tid);
  // 3. The contract: reuse the one an interrupted install deployed (its install record), else deploy.
  const auto record_path = (fs::path(state_dir_of(o)) / (p.program + ".install.json")).string();
  std::string contract_addr;
  {
    std::ifstream in(record_path);
    if (in) {
      try {
        json r = json::parse(in);
        const auto c = r.value("contract", "");
        if (r.value("chain", 0u) == p.chain && !c.empty()) {
          auto exists = ep.node.get(ep.chain.path("/contracts/" + c));
          if (!std::holds_alternative<command_result>(exists))
            contract_addr = c;
        }
      } catch (const std::exception&) {
      }
    }
  }
  if (contract_addr.empty()) {
    contract_deploy_tx d;
    d.template_id = tid;
    d.params = {bytes(commission_text.begin(), commission_text.end()), bytes(owner_addr.begin(), owner_addr.end()),
                bytes{'r', 'e', 'q', 'u', 'e', 's', 't'}, le64(price), bytes(op.begin(), op.end())};
    d.readers.push_back(owner_addr);
    if (op != owner_addr)
      d.readers.push_back(op);
    for (const auto& r : o.readers) {
      auto a = parse_address(r);
      if (!a)
        return cli::to_command_result(make_error(a.error().code, "--reader: " + a.error().detail));
      d.readers.push_back(*a);
    }
    auto s = cli::sign_for_chain(tx_opts(o, o.key_file, p.chain), d, 0);
    if (failed(s))
      return failure(s);
    auto& st = std::get<cli::signed_tx>(s);
    contract_addr = format_address(contract::contract_address(owner_addr, st.tx.nonce));
    {
      std::error_code ec;
      fs::create_directories(state_dir_of(o), ec);
      std::ofstream rec(record_path, std::ios::trunc);
      rec << json{{"chain", p.chain}, {"contract", contract_addr}}.dump() << "\n";
    }
    auto id = cli::post_transaction(st.at, st.tx);
    if (failed(id))
      return failure(id);
    auto fin = cli::await_final(st.at.node, st.at.chain, std::get<std::string>(id), st.timeout, false);
    if (failed(fin))
      return failure(fin);
  }
  out["contract"] = contract_addr;
  // 4. The registry entry (the registry is the mainchain's).
  service_register_tx reg;
  auto u = fixed_from_hex<16>(uuid_of(p, o));
  if (!u)
    return cli::to_command_result(make_error(u.error().code, "--uuid: " + u.error().detail));
  reg.uuid = *u;
  reg.symbol = p.symbol;
  reg.dapp = op;
  reg.home = p.chain;
  reg.deployments = {p.chain};
  reg.instances = {services::instance{p.chain, *parse_address(contract_addr)}};
  for (int i = 0; i < 8; ++i)
    reg.template_id = (reg.template_id << 8) | tid[static_cast<std::size_t>(i)];
  reg.commission = *registry_commission;
  auto done = send_and_wait(o, o.key_file, std::nullopt, reg, 0);
  if (failed(done))
    return failure(done);
  // The registry is read from the final state: wait until it answers.
  for (int i = 0; i < 60; ++i) {
    auto r = resolve_service(p, o);
    if (!failed(r)) {
      out["service"] = std::get<resolved_service>(r).id;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  out["installed"] = "now";
  out["commission"] = commission_text;
  out["price"] = price;
  print_result(o, out);
  return {};
}

command_result run_request(const dapp_profile& p, const request_options& o) {
  auto rid = request_bytes(o.request_id);
  if (!rid)
    return cli::to_command_result(rid.error());
  if (o.payload.size() > 1024)
    return command_failure("invalid_argument", "the request's payload is over 1024 bytes");
  auto fund = cli::parse_uint("--fund", o.fund_text, UINT32_MAX);
  if (!fund)
    return cli::to_command_result(fund.error());
  amount value = p.default_price;
  if (!o.value_text.empty()) {
    auto v = parse_amount(o.value_text);
    if (!v)
      return cli::to_command_result(make_error(v.error().code, "--value: " + v.error().detail));
    value = *v;
  }
  auto requester = read_key(o.key_file, "--key");
  if (!requester)
    return cli::to_command_result(requester.error());
  if (auto op = read_key(o.operator_file, "--operator-key"); !op)
    return cli::to_command_result(op.error());
  auto j = journal::open(state_dir_of(o), p.program);
  if (!j)
    return cli::to_command_result(j.error());
  json out{{"request_id", o.request_id}, {"fund", *fund}};
  // A request id the journal holds is finished from where it stopped (the same as resume).
  if (auto* e = j->find(o.request_id)) {
    out["service"] = e->service;
    out["resumed"] = true;
    auto r = drive(p, o, *j, *e, out);
    if (r.ok())
      print_result(o, out);
    return r;
  }
  // 1. Registry lookup: the service's live version on its chain.
  auto svc = resolve_service(p, o);
  if (failed(svc))
    return failure(svc);
  const auto& s = std::get<resolved_service>(svc);
  if (s.status != "active")
    return command_failure("service_not_active", fmt::format("service {} is {}", s.id, s.status));
  out["service"] = s.id;
  out["version"] = s.version;
  out["contract"] = s.contract;
  // 2. The system service: its contract on its chain, and whether this request id committed there.
  const auto rkey = state_key('r', *rid);
  auto existing = read_state(o, p.chain, s.contract, rkey, o.operator_file);
  if (failed(existing))
    return failure(existing);
  if (const auto& v = std::get<std::optional<bytes>>(existing); v) {
    // Committed before and no longer journaled: a retry that commits nothing.
    out["stage"] = v->empty() ? "unknown" : (*v)[0] == 1 ? "open" : (*v)[0] == 2 ? "acknowledged" : "cancelled";
    out["already_committed"] = true;
    print_result(o, out);
    return {};
  }
  // 3. DS metadata: the fund exists and is active; the requester is a member where required.
  if (auto r = check_fund(p, o, static_cast<chain_id>(*fund), address_of(requester->pub)); !r.ok())
    return r;
  // The commission the registry's model gives (the chain charges the instance's, the same model).
  if (auto c = expected_commission(s.commission, value, 0, 0))
    out["commission"] = *c;
  out["value"] = value;
  // 4-6. Contract call, usage record, acknowledgement: journaled.
  journal_entry e;
  e.request_id = o.request_id;
  e.service = s.id;
  e.contract = s.contract;
  e.fund = *fund;
  e.value = value;
  e.payload_hex = to_hex(o.payload);
  e.requester = o.key_file;
  j->entries().push_back(e);
  if (auto st = j->save(); !st)
    return cli::to_command_result(st);
  auto r = drive(p, o, *j, *j->find(o.request_id), out);
  if (r.ok())
    print_result(o, out);
  return r;
}

command_result run_resume(const dapp_profile& p, request_options o) {
  auto j = journal::open(state_dir_of(o), p.program);
  if (!j)
    return cli::to_command_result(j.error());
  json out{{"resumed", json::array()}};
  std::vector<std::string> ids;
  for (const auto& e : j->entries())
    ids.push_back(e.request_id);
  command_result last;
  for (const auto& id : ids) {
    auto* e = j->find(id);
    if (!e)
      continue;
    json one{{"request_id", id}, {"service", e->service}, {"fund", e->fund}};
    auto r = drive(p, o, *j, *e, one);
    one["result"] = r.ok() ? "acknowledged" : r.reason + ": " + r.detail;
    out["resumed"].push_back(one);
    if (!r.ok())
      last = r;
  }
  out["open"] = j->entries().size();
  print_result(o, out);
  return last;
}

command_result run_answer(const dapp_profile& p, const answer_options& o) {
  auto rid = request_bytes(o.request_id);
  if (!rid)
    return cli::to_command_result(rid.error());
  if (o.result.empty() || o.result.size() > 1024)
    return command_failure("invalid_argument", "the answer is 1 to 1024 bytes");
  auto svc = resolve_service(p, o);
  if (failed(svc))
    return failure(svc);
  const auto& s = std::get<resolved_service>(svc);
  auto rec = read_state(o, p.chain, s.contract, state_key('r', *rid), o.operator_file);
  if (failed(rec))
    return failure(rec);
  const auto& v = std::get<std::optional<bytes>>(rec);
  if (!v)
    return command_failure("unknown_request", "no request " + o.request_id + " on the service contract");
  if (v->empty() || (*v)[0] != 2)
    return command_failure("not_acknowledged", "request " + o.request_id + " is not acknowledged (run resume)");
  journal_entry e;
  e.contract = s.contract;
  auto in = rid_prefix(o.request_id);
  in.insert(in.end(), o.result.begin(), o.result.end());
  auto done = send_and_wait(o, o.operator_file, p.chain, desk_call(e, "answer", std::move(in), 0),
                            contract::fuel_fee(call_fuel));
  if (failed(done))
    return failure(done);
  const auto& r = cli::object_field(std::get<json>(done), "contract_result");
  if (cli::text_field(r, "status", "") != "success")
    return command_failure("request_failed", "the answer was refused: " + cli::text_field(r, "error", "no detail"));
  print_result(o, json{{"request_id", o.request_id}, {"service", s.id}, {"answered", true},
                       {"tx", cli::text_field(std::get<json>(done), "id", "")}});
  return {};
}

command_result run_show(const dapp_profile& p, const show_options& o) {
  auto svc = resolve_service(p, o);
  if (failed(svc))
    return failure(svc);
  const auto& s = std::get<resolved_service>(svc);
  json out{{"service", s.id}};
  if (!o.fund_text.empty()) {
    auto fund = cli::parse_uint("--fund", o.fund_text, UINT32_MAX);
    if (!fund)
      return cli::to_command_result(fund.error());
    out["fund"] = *fund;
    auto v = read_state(o, p.chain, s.contract, state_key('f', le64(*fund)), o.key_file);
    if (failed(v))
      return failure(v);
    const auto& b = std::get<std::optional<bytes>>(v);
    if (!b || b->empty() || b->size() < 1u + (*b)[0])
      return command_failure("not_found", fmt::format("no answer for fund {} yet", *fund));
    const std::size_t l = (*b)[0];
    out["request_id"] = text_or_hex(bytes(b->begin() + 1, b->begin() + 1 + static_cast<std::ptrdiff_t>(l)));
    out["answer"] = text_or_hex(bytes(b->begin() + 1 + static_cast<std::ptrdiff_t>(l), b->end()));
    print_result(o, out);
    return {};
  }
  auto rid = request_bytes(o.request_id);
  if (!rid)
    return cli::to_command_result(make_error(errc::invalid_argument, "give --fund or --request-id"));
  auto v = read_state(o, p.chain, s.contract, state_key('r', *rid), o.key_file);
  if (failed(v))
    return failure(v);
  const auto& b = std::get<std::optional<bytes>>(v);
  if (!b || b->size() < 37)
    return command_failure("not_found", "no request " + o.request_id);
  static const char* names[] = {"?", "open", "acknowledged", "cancelled"};
  out["request_id"] = o.request_id;
  out["status"] = (*b)[0] <= 3 ? names[(*b)[0]] : "?";
  address who;
  std::copy(b->begin() + 1, b->begin() + 21, who.begin());
  out["requester"] = format_address(who);
  out["fund"] = read_le64(*b, 21);
  out["height"] = read_le64(*b, 29);
  out["payload"] = text_or_hex(bytes(b->begin() + 37, b->end()));
  auto a = read_state(o, p.chain, s.contract, state_key('a', *rid), o.key_file);
  if (failed(a))
    return failure(a);
  if (const auto& ab = std::get<std::optional<bytes>>(a))
    out["answer"] = text_or_hex(*ab);
  else
    out["answer"] = nullptr;
  print_result(o, out);
  return {};
}

command_result run_status(const dapp_profile& p, const common_options& o) {
  auto svc = resolve_service(p, o);
  if (failed(svc))
    return failure(svc);
  const auto& s = std::get<resolved_service>(svc);
  print_result(o, json{{"service", s.id}, {"status", s.status}, {"chain", p.chain}, {"version", s.version},
                       {"contract", s.contract}, {"commission", s.commission}, {"uuid", uuid_of(p, o)}});
  return {};
}

void add_standard_commands(CLI::App& app, const dapp_profile& p, const standard_names& n,
                           std::optional<command_result>& outcome) {
  auto io = std::make_shared<install_options>();
  auto* install = app.add_subcommand("install", fmt::format("Deploy the {} contract on chain {} and register the "
                                                            "service (idempotent)", p.title, p.chain));
  install->add_option("--key", io->key_file, "Key file of the owner: deploys, registers (needs register_service), "
                                             "receives the commission")->type_name("FILE")->required();
  install->add_option("--publisher", io->publisher_file, "Key file that publishes the template when the chain lacks "
                                                         "it (a funded account; default --key)")->type_name("FILE");
  install->add_option("--operator", io->operator_addr, "The operator's address (default the owner)")->type_name("ADDR");
  install->add_option("--reader", io->readers, "Another reader of the contract's state")->type_name("ADDR");
  install->add_option("--commission", io->commission, "percent:BP | fixed:UNITS | expr:TEXT (default "
                                                      + p.default_commission + ")")->type_name("MODEL");
  install->add_option("--price", io->price_text, "The least value of a request (default "
                                                 + format_amount(p.default_price) + ")")->type_name("AMOUNT");
  add_common_options(*install, *io);
  install->callback([io, &p, &outcome] { outcome = run_install(p, *io); });

  auto ro = std::make_shared<request_options>();
  auto payload_text = std::make_shared<std::string>();
  auto* request = app.add_subcommand(n.request, n.request_help);
  request->add_option("--fund", ro->fund_text, "The fund's chain id")->type_name("ID")->required();
  request->add_option("--request-id", ro->request_id, "The request id (1-32 bytes): a retry with it commits nothing "
                                                      "twice")->type_name("RID")->required();
  request->add_option("--key", ro->key_file, "Key file of the requester (pays the value and commission)")
    ->type_name("FILE")->required();
  request->add_option("--operator-key", ro->operator_file, "Key file of the service's operator (reads the fund's "
                                                           "members, records usage, acknowledges)")
    ->type_name("FILE")->required();
  request->add_option("--value", ro->value_text, "What the request pays (default the service's price)")->type_name("AMOUNT");
  request->add_option(n.payload_option, *payload_text, n.payload_help)->type_name(n.payload_hex ? "HEX" : "TEXT");
  add_common_options(*request, *ro);
  const bool hex_payload = n.payload_hex;
  request->callback([ro, payload_text, hex_payload, &p, &outcome] {
    if (hex_payload) {
      auto b = from_hex(*payload_text);
      if (!b) {
        outcome = command_failure("invalid_argument", "the payload: " + b.error().detail);
        return;
      }
      ro->payload = *b;
    } else {
      ro->payload = bytes(payload_text->begin(), payload_text->end());
    }
    outcome = run_request(p, *ro);
  });

  if (n.with_answer) {
    auto ao = std::make_shared<answer_options>();
    auto text = std::make_shared<std::string>();
    auto* answer = app.add_subcommand(n.answer, n.answer_help);
    answer->add_option("--request-id", ao->request_id, "The request answered")->type_name("RID")->required();
    answer->add_option("--operator-key", ao->operator_file, "Key file of the service's operator")->type_name("FILE")->required();
    answer->add_option(n.result_option, *text, n.result_help)->type_name("TEXT")->required();
    add_common_options(*answer, *ao);
    answer->callback([ao, text, &p, &outcome] {
      ao->result = bytes(text->begin(), text->end());
      outcome = run_answer(p, *ao);
    });
  }

  auto so = std::make_shared<show_options>();
  auto* show = app.add_subcommand("show", "Show the fund's latest answer (--fund) or one request (--request-id): a "
                                          "signed read by a reader of the contract");
  show->add_option("--key", so->key_file, "Key file of a reader of the contract's state")->type_name("FILE")->required();
  show->add_option("--fund", so->fund_text, "The fund's chain id")->type_name("ID");
  show->add_option("--request-id", so->request_id, "A request id")->type_name("RID");
  add_common_options(*show, *so);
  show->callback([so, &p, &outcome] { outcome = run_show(p, *so); });

  auto sto = std::make_shared<common_options>();
  auto* st = app.add_subcommand("status", "The service's registry entry and live instance");
  add_common_options(*st, *sto);
  st->callback([sto, &p, &outcome] { outcome = run_status(p, *sto); });

  auto rso = std::make_shared<request_options>();
  auto* resume = app.add_subcommand("resume", "Finish every request the journal holds (after a crash or timeout)");
  resume->add_option("--operator-key", rso->operator_file, "Key file of the service's operator")->type_name("FILE")->required();
  add_common_options(*resume, *rso);
  resume->callback([rso, &p, &outcome] { outcome = run_resume(p, *rso); });
}

int run_app(CLI::App& app, const dapp_profile& p, std::optional<command_result>& outcome, int argc, char** argv) {
  // A peer that closes a socket mid-write (a 413 before the whole body was sent) is an error to
  // handle, not a reason to die: write errors come back as EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: {}\n", p.program, e.what());
    return 1;
  }
  if (!outcome) {
    fmt::print(stderr, "{}: a subcommand is required (see --help)\n", p.program);
    return 1;
  }
  if (!outcome->ok()) {
    fmt::print(stderr, "{}: {}{}{}\n", p.program, outcome->reason, outcome->detail.empty() ? "" : ": ", outcome->detail);
    return outcome->exit_code;
  }
  return 0;
}

} // namespace bfd::dapps
