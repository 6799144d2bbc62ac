// The handshake mailbox (docs/membership-proofs.md, "The HTTP mailbox"): POST /v1/handshakes opens
// a session with message 1 for a payee address; GET /v1/handshakes?to=ADDRESS lists the sessions
// waiting for that payee's reply; GET /v1/handshakes/{id} reads one; POST …/{id}/reply, …/finish
// and …/payment post the later messages once each, in that order. Messages are opaque hex.
#include <openssl/rand.h>

#include "actors/http/bridge_core.hpp"
#include "chains/core/hex.hpp"
#include "protocols/mailbox_json.hpp"

namespace bfd::http {

namespace {

void refuse(httplib::Response& res, const error& e) {
  int status = 400;
  switch (e.code) {
    case errc::ush_session_gone: status = 404; break;
    case errc::ush_bad_state: status = 409; break;
    case errc::ush_mailbox_full:
      status = 503;
      res.set_header("Retry-After", "1");
      break;
    default: break;
  }
  reply(res, status, error_json(e));
}

std::optional<std::string> fresh_id() {
  std::array<unsigned char, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1)
    return std::nullopt;
  return to_hex(byte_view{b.data(), b.size()});
}

/// The body's "message" (hex), and its "to" when `with_to` (protocols/mailbox_json.hpp);
/// nothing after replying 400.
std::optional<std::pair<bytes, address>> read_message(bridge_core& core, httplib::Response& res,
                                                      const httplib::ContentReader& reader, bool with_to) {
  std::string body;
  if (!core.read_body(res, reader, body))
    return std::nullopt;
  auto m = parse_mailbox_post(body, core.mailbox.limits().max_message_bytes,
                              with_to ? mailbox_payee::required : mailbox_payee::absent);
  if (!m) {
    reply(res, 400, error_json(m.error()));
    return std::nullopt;
  }
  return std::pair{std::move(m->message), m->to};
}

json_object session_json(const mailbox_session& s) {
  json_object j;
  j["id"] = s.id;
  j["to"] = format_address(s.to);
  j["hello"] = to_hex(byte_view{s.hello.data(), s.hello.size()});
  for (std::size_t i = 0; i < mailbox_slots; ++i) {
    const auto name = std::string(to_string(static_cast<mailbox_slot>(i)));
    if (s.slots[i])
      j[name] = to_hex(byte_view{s.slots[i]->data(), s.slots[i]->size()});
    else
      j[name] = nullptr;
  }
  j["expires_in_ms"] = s.expires_in.count();
  return j;
}

bool valid_id(const std::string& id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

} // namespace

void register_handshake_routes(bridge_core& core) {
  core.handlers.push_back({"POST", "/v1/handshakes"});
  core.server.Post("/v1/handshakes", [&core](const httplib::Request& req, httplib::Response& res,
                                             const httplib::ContentReader& reader) {
    auto m = read_message(core, res, reader, true);
    if (!m)
      return;
    auto id = fresh_id();
    if (!id)
      return reply(res, 500, error_json(edge_reason::internal, "no randomness for a session id"));
    auto s = core.mailbox.open(req.remote_addr, m->second, std::move(m->first), *id, steady::now());
    if (!s)
      return refuse(res, s.error());
    res.set_header("Location", "/v1/handshakes/" + s->id);
    reply(res, 201, session_json(*s));
  });
  core.get("/v1/handshakes", [&core](const httplib::Request& req, httplib::Response& res) {
    std::optional<address> to;
    for (const auto& [name, value] : req.params) {
      if (name != "to")
        return reply(res, 400, error_json(make_error(errc::invalid_argument, "unknown query parameter '"
                                                                               + clipped(name, 32) + "': to is read")));
      auto a = parse_address(value);
      if (!a)
        return reply(res, 400, error_json(a.error()));
      to = *a;
    }
    if (!to)
      return reply(res, 400, error_json(make_error(errc::invalid_argument, "to=ADDRESS is required")));
    json_object list = json_object::array();
    for (const auto& s : core.mailbox.waiting(*to, steady::now()))
      list.push_back(session_json(s));
    json_object j;
    j["to"] = format_address(*to);
    j["sessions"] = std::move(list);
    reply(res, 200, j);
  });
  core.get("/v1/handshakes/([^/]+)", [&core](const httplib::Request& req, httplib::Response& res) {
    const auto id = req.matches[1].str();
    if (!valid_id(id))
      return reply(res, 400, error_json(make_error(errc::invalid_argument, "a session id is 32 lowercase hex characters")));
    auto s = core.mailbox.get(id, steady::now());
    if (!s)
      return refuse(res, s.error());
    reply(res, 200, session_json(*s));
  });
  for (auto slot : {mailbox_slot::reply, mailbox_slot::finish, mailbox_slot::payment}) {
    const auto pattern = "/v1/handshakes/([^/]+)/" + std::string(to_string(slot));
    core.handlers.push_back({"POST", pattern});
    core.server.Post(pattern, [&core, slot](const httplib::Request& req, httplib::Response& res,
                                            const httplib::ContentReader& reader) {
      const auto id = req.matches[1].str();
      auto m = read_message(core, res, reader, false);
      if (!m)
        return;
      if (!valid_id(id))
        return reply(res, 400, error_json(make_error(errc::invalid_argument, "a session id is 32 lowercase hex characters")));
      if (auto st = core.mailbox.post(id, slot, std::move(m->first), steady::now()); !st)
        return refuse(res, st.error());
      auto s = core.mailbox.get(id, steady::now());
      if (!s)
        return refuse(res, s.error());
      reply(res, 200, session_json(*s));
    });
  }
}

} // namespace bfd::http
