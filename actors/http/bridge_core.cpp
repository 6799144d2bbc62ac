// The HTTP bridge's core: route matching, server settings and the hooks around every request
// (rate bound, route and method checks, error bodies, request metrics), bounded body reads.
#include "actors/http/bridge_core.hpp"

#include "actors/http/edge_actor.hpp"
#include "actors/verified_cache.hpp"
#include "chains/crypto/keys.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <limits>

#include <spdlog/spdlog.h>

#include "chains/cache/invalidation.hpp"

namespace bfd::http {

namespace {

bool path_matches(std::string_view pattern, std::string_view path) {
  while (!pattern.empty() && !path.empty()) {
    if (pattern.front() != '/' || path.front() != '/')
      return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const auto p_end = std::min(pattern.find('/'), pattern.size());
    const auto s_end = std::min(path.find('/'), path.size());
    const auto p_seg = pattern.substr(0, p_end);
    const auto s_seg = path.substr(0, s_end);
    if (p_seg.starts_with('{') ? s_seg.empty() : p_seg != s_seg)
      return false;
    pattern.remove_prefix(p_end);
    path.remove_prefix(s_end);
  }
  return pattern.empty() && path.empty();
}

} // namespace

const std::vector<route_spec>& routes() {
  static const std::vector<route_spec> table = [] {
    // Chain routes, as the configured chain serves them; each also exists under /v1/chains/{chain}.
    const std::vector<route_spec> chain_routes = {
      {"GET", "/v1/info"},     {"GET", "/v1/blocks/{id}"},         {"GET", "/v1/txs/{id}"},
      {"POST", "/v1/txs"},     {"POST", "/v1/txs/batch"},          {"GET", "/v1/accounts/{address}"},
      {"GET", "/v1/delegates"}, {"GET", "/v1/schedule"},          {"GET", "/v1/certificate"},
      {"GET", "/v1/access/scopes/{scope}"}, {"GET", "/v1/access/accounts/{address}"},
      {"GET", "/v1/access/check/{address}/{scope}/{permission}"},
      {"GET", "/v1/contracts/templates"}, {"GET", "/v1/contracts/templates/after/{id}"},
      {"GET", "/v1/contracts/templates/{id}"}, {"GET", "/v1/contracts/{address}"},
      {"GET", "/v1/contracts/{address}/events"}, {"GET", "/v1/contracts/{address}/events/{from}"},
      {"GET", "/v1/contracts/{address}/state"}, {"GET", "/v1/contracts/{address}/state/{key}"},
      {"GET", "/v1/ds"},       {"GET", "/v1/ds/{section}"},        {"GET", "/v1/ds/{section}/{from}"},
      {"GET", "/v1/peg"},
      {"GET", "/v1/funds"},    {"GET", "/v1/funds/holders"},
      {"GET", "/v1/health"},
      {"GET", "/v1/services"}, {"GET", "/v1/services/{service}"},
      {"GET", "/v1/services/{service}/resolve/{chain_id}"},
      {"GET", "/v1/authority/groups/{group}"},
      {"GET", "/v1/accounts/{address}/txs"}, {"GET", "/v1/clusters/{hash}"},
    };
    std::vector<route_spec> all = {{"GET", "/healthz"}, {"GET", "/metrics"}, {"GET", "/v1/chains"},
                                   {"GET", "/v1/chains/{chain}"}, {"GET", "/v1/sidechains"},
                                   {"GET", "/v1/chains/{chain}/anchor/{height}"}, {"GET", "/v1/peg/messages/{id}"},
                                   {"POST", "/v1/handshakes"}, {"GET", "/v1/handshakes"},
                                   {"GET", "/v1/handshakes/{id}"}, {"POST", "/v1/handshakes/{id}/reply"},
                                   {"POST", "/v1/handshakes/{id}/finish"}, {"POST", "/v1/handshakes/{id}/payment"},
                                   {"GET", "/explorer/"}, {"GET", "/explorer/{file}"}};
    for (const auto& r : chain_routes) {
      all.push_back(r);
      all.push_back({r.method, "/v1/chains/{chain}" + r.path.substr(3)});
    }
    return all;
  }();
  return table;
}

route_match match_route(std::string_view method, std::string_view path) {
  route_match m;
  for (const auto& spec : routes()) {
    const auto* r = &spec;
    if (!path_matches(r->path, path))
      continue;
    if (!m.path)
      m.path = r;
    if (!m.allow.empty())
      m.allow += ", ";
    m.allow += r->method;
    if (r->method == "GET")
      m.allow += ", HEAD";
    if (method == r->method || (method == "HEAD" && r->method == "GET"))
      m.route = r;
  }
  return m;
}

std::string_view method_label(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
    if (method == known)
      return known;
  return "OTHER";
}

int status_of_refusal(errc code) {
  switch (code) {
    case errc::nonce_reused:
    case errc::replacement_underpriced:
    case errc::duplicate: return 409;
    case errc::mempool_full: return 503;
    case errc::access_denied: return 403;
    case errc::storage_io:
    case errc::storage_corrupt:
    case errc::io: return 500;
    default: return 400;
  }
}

void reply(http::response& res, int status, const json_object& body) {
  res.status = status;
  res.set_content(json_text(body), "application/json");
}

std::string clipped(std::string_view text, std::size_t max) {
  if (text.size() <= max)
    return std::string(text);
  return std::string(text.substr(0, max)) + "…";
}

std::optional<std::uint64_t> parse_height(std::string_view text) {
  if (text.empty() || text.size() > 20 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

std::optional<std::uint32_t> parse_chain_id(std::string_view text) {
  const auto value = parse_height(text);
  if (!value || *value > std::numeric_limits<std::uint32_t>::max())
    return std::nullopt;
  return static_cast<std::uint32_t>(*value);
}

// Rate bound ---------------------------------------------------------------------------------

rate_limiter::rate_limiter(std::uint32_t rate, std::uint32_t burst)
    : rate_(rate), burst_(std::max<std::uint32_t>(burst, 1)) {}

namespace {

double elapsed_seconds(steady::time_point from, steady::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

} // namespace

bool rate_limiter::allow(const std::string& client) {
  if (rate_ == 0)
    return true;
  const auto now = steady::now();
  std::lock_guard lock(mutex_);
  if (buckets_.size() >= max_tracked_clients && !buckets_.count(client))
    forget_idle(now);
  auto [i, fresh] = buckets_.try_emplace(client, bucket{static_cast<double>(burst_), now});
  auto& b = i->second;
  if (!fresh) {
    b.tokens = std::min<double>(burst_, b.tokens + elapsed_seconds(b.last, now) * rate_);
    b.last = now;
  }
  if (b.tokens < 1)
    return false;
  b.tokens -= 1;
  return true;
}

void rate_limiter::forget_idle(steady::time_point now) {
  for (auto i = buckets_.begin(); i != buckets_.end();) {
    if (i->second.tokens + elapsed_seconds(i->second.last, now) * rate_ >= burst_)
      i = buckets_.erase(i);
    else
      ++i;
  }
  if (buckets_.size() >= max_tracked_clients)
    buckets_.clear();
}

// The core ---------------------------------------------------------------------------------------

bridge_core::bridge_core(caf::actor_system& sys, http_bridge_config cfg)
    : system(sys),
      config(std::move(cfg)),
      time(config.time ? config.time : std::make_shared<wall_clock>()),
      limiter(config.options.rate_per_second, config.options.burst),
      mailbox(config.options.mailbox) {}

void bridge_core::install() {
  register_node_routes(*this);
  register_finality_routes(*this);
  register_block_routes(*this);
  register_tx_routes(*this);
  register_account_routes(*this);
  register_delegate_routes(*this);
  register_metrics_routes(*this);
  register_anchor_routes(*this);
  register_peg_routes(*this);
  register_access_routes(*this);
  register_contract_routes(*this);
  register_ds_routes(*this);
  register_funds_routes(*this);
  register_health_routes(*this);
  register_services_routes(*this);
  register_handshake_routes(*this);
  register_authority_routes(*this);
  register_explorer_routes(*this);
}

result<std::uint16_t> bridge_core::listen() {
  const auto& o = config.options;
  server_limits l;
  l.io_threads = std::max<std::size_t>(o.io_threads, 1);
  l.workers = std::max<std::size_t>(o.threads, 1);
  l.max_queued = std::max<std::size_t>(o.max_queued, 1);
  l.max_header_bytes = o.max_header_bytes;
  l.max_body_bytes = o.max_body_bytes;
  l.max_connections = o.max_connections;
  l.max_connections_per_client = o.max_connections_per_client;
  l.idle_timeout = o.idle_timeout;
  l.header_timeout = o.header_timeout;
  l.body_timeout = o.body_timeout;
  l.write_timeout = o.write_timeout;
  intake = std::make_shared<edge_intake>();
  edge_actor_config ec;
  ec.intake = intake;
  ec.chain = config.chain;
  ec.mempool = config.mempool;
  ec.directory = config.directory;
  ec.timeout = o.timeout;
  auto start_edge = [ec](caf::actor_system& sys) { return spawn_edge_actor(sys, ec); };
  edge = config.place ? config.place("http-edge", start_edge) : start_edge(system);
  intake->set_actor(edge);
  server_hooks hooks;
  hooks.screen = [this](request& req) { return screen(req); };
  hooks.serve_async = [this](request& req, const responder& respond) { return serve_async(req, respond); };
  hooks.serve = [this](request& req) { return serve(req); };
  hooks.answered = [this](const request& req, const response& res) { after(req, res); };
  auto started = server::start(o.address, o.port, l, std::move(hooks));
  if (!started) {
    if (!config.place)
      caf::anon_send_exit(edge, caf::exit_reason::user_shutdown);
    return started.error();
  }
  srv = std::move(*started);
  port = srv->port();
  return port;
}

std::optional<response> bridge_core::screen(request& req) {
  req.route = unmatched_label;
  response res;
  if (!limiter.allow(req.remote_addr)) {
    res.set_header("Retry-After", "1");
    reply(res, 429, error_json(edge_reason::rate_limited, "more than " + std::to_string(limiter.rate())
                                                            + " requests a second from " + req.remote_addr));
    return res;
  }
  if (req.path.size() > max_path_length) {
    reply(res, 414, error_json(make_error(errc::too_large, "the path is longer than "
                                                             + std::to_string(max_path_length) + " bytes")));
    return res;
  }
  const auto m = match_route(req.method, req.path);
  if (m.route)
    req.route = m.route->path;
  else if (m.path)
    req.route = m.path->path;
  if (!m.path) {
    reply(res, 404, error_json(make_error(errc::not_found, "no route " + clipped(req.method, 16) + " "
                                                             + clipped(req.path))));
    return res;
  }
  if (!m.route) {
    res.set_header("Allow", m.allow);
    reply(res, 405, error_json(edge_reason::method_not_allowed, clipped(req.method, 16) + " is not allowed on "
                                                                  + std::string(m.path->path) + "; allowed: " + m.allow));
    return res;
  }
  if (m.route->method == "POST" && req.is_multipart_form_data()) {
    reply(res, 415, error_json(edge_reason::unsupported_media_type, "send the transaction as a JSON body, not a form"));
    return res;
  }
  return std::nullopt;
}

response bridge_core::serve(request& req) {
  response res;
  const std::string_view method = req.method == "HEAD" ? std::string_view("GET") : std::string_view(req.method);
  for (const auto& h : routing) {
    if (h.method != method)
      continue;
    std::smatch m;
    if (!std::regex_match(req.path, m, h.pattern))
      continue;
    req.matches.clear();
    for (const auto& part : m)
      req.matches.push_back(part.str());
    if (!h.serve) {
      // A route the actor serves reaches the pool only if the server has no asynchronous hook.
      reply(res, 503, error_json(edge_reason::unavailable, "this route is served by the bridge's actor only"));
      return res;
    }
    try {
      h.serve(req, res);
    } catch (const std::exception& e) {
      if (config.log)
        config.log->error("http: {} {}: {}", req.method, clipped(req.path), e.what());
      res = response{};
      reply(res, 500, error_json(edge_reason::internal, "the node failed to answer this request"));
    }
    if (res.status < 0)
      res.status = 200;
    return res;
  }
  reply(res, 404, error_json(make_error(errc::not_found, "no route " + clipped(req.method, 16) + " " + clipped(req.path))));
  return res;
}

void bridge_core::after(const request& req, const response& res) {
  const auto method = method_label(req.method);
  prometheus::Counter* counter = nullptr;
  {
    std::lock_guard lock(counters_mutex);
    auto& c = counters[{req.route, method, res.status}];
    if (!c)
      c = &metrics.requests.Add(
        {{"route", std::string(req.route)}, {"method", std::string(method)}, {"status", std::to_string(res.status)}});
    counter = c;
  }
  counter->Increment();
  if (req.received == steady::time_point{})
    return;
  const auto seconds = std::chrono::duration<double>(steady::now() - req.received).count();
  if (auto h = metrics.latency_by_route.find(req.route); h != metrics.latency_by_route.end())
    h->second->Observe(seconds);
  if (config.log)
    config.log->debug("http: {} {} {} {} {:.1f} ms", req.remote_addr, method, req.route, res.status,
                      seconds * 1000);
}

std::optional<chain_handles> bridge_core::configured_chain(caf::scoped_actor& self, http::response* res) {
  auto info = ask<chain_info>(self, res, config.chain, info_atom::value);
  if (!info)
    return std::nullopt;
  chain_handles h;
  h.id = info->chain;
  h.kind = 0;  // chain_kind::mainchain
  h.name = "mainchain";
  h.token = "BFDT";
  h.chain = config.chain;
  h.mempool = config.mempool;
  return h;
}

std::optional<std::vector<chain_handles>> bridge_core::hosted_chains(caf::scoped_actor& self, http::response* res) {
  if (!config.directory) {
    auto h = configured_chain(self, res);
    if (!h)
      return std::nullopt;
    return std::vector<chain_handles>{std::move(*h)};
  }
  auto all = ask<std::vector<chain_handles>>(self, res, config.directory, chains_atom::value);
  if (!all)
    return std::nullopt;
  std::erase_if(*all, [](const chain_handles& h) { return !h.chain; });
  std::sort(all->begin(), all->end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return all;
}

consensus_params bridge_core::params_of(std::uint32_t chain) const {
  if (config.chain_params)
    if (auto p = config.chain_params(chain))
      return std::move(*p);
  return config.params;
}

std::optional<chain_view> bridge_core::resolve(http::response& res, const std::string* id) {
  if (!id) {
    chain_view v;
    v.handles.chain = config.chain;
    v.handles.mempool = config.mempool;
    v.params = config.params;
    v.prefix = "/v1";
    return v;
  }
  const auto chain = parse_chain_id(*id);
  if (!chain) {
    reply(res, 400, error_json(make_error(errc::invalid_argument, "a chain id is a decimal number below 2^32, not '"
                                                                    + clipped(*id, 32) + "'")));
    return std::nullopt;
  }
  caf::scoped_actor self{system};
  std::optional<chain_handles> found;
  if (config.directory) {
    found = ask<chain_handles>(self, &res, config.directory, lookup_atom::value, *chain);
    if (!found)
      return std::nullopt;
  } else {
    found = configured_chain(self, &res);
    if (!found)
      return std::nullopt;
  }
  if (!found->chain || found->id != *chain) {
    reply(res, 404, error_json(make_error(errc::not_found, "chain " + std::to_string(*chain)
                                                             + " is not hosted on this node (GET /v1/chains lists those that are)")));
    return std::nullopt;
  }
  chain_view v;
  v.handles = std::move(*found);
  v.params = params_of(*chain);
  v.prefix = "/v1/chains/" + std::to_string(*chain);
  return v;
}

void bridge_core::get(const std::string& pattern, std::function<void(const request&, response&)> handler) {
  handlers.push_back({"GET", pattern});
  routing.push_back({"GET", std::regex(pattern), std::move(handler)});
}

void bridge_core::post(const std::string& pattern,
                       std::function<void(const request&, response&, const content_reader&)> handler) {
  handlers.push_back({"POST", pattern});
  routing.push_back({"POST", std::regex(pattern), [handler = std::move(handler)](const request& req, response& res) {
                       handler(req, res, content_reader{req.body});
                     }});
}

void bridge_core::chain_get(const std::string& suffix, chain_get_handler handler) {
  auto serve = [this, handler](const http::request& req, http::response& res, bool prefixed) {
    const std::string id = prefixed ? req.matches[1] : std::string();
    auto view = resolve(res, prefixed ? &id : nullptr);
    if (!view)
      return;
    std::vector<std::string> args;
    for (std::size_t i = prefixed ? 2 : 1; i < req.matches.size(); ++i)
      args.push_back(req.matches[i]);
    handler(*this, *view, args, res);
  };
  get("/v1" + suffix, [serve](const http::request& req, http::response& res) { serve(req, res, false); });
  get("/v1/chains/([^/]+)" + suffix, [serve](const http::request& req, http::response& res) { serve(req, res, true); });
}

void bridge_core::chain_get(const std::string& suffix, chain_read_handler handler) {
  auto serve = [this, handler](const http::request& req, http::response& res, bool prefixed) {
    const std::string id = prefixed ? req.matches[1] : std::string();
    auto view = resolve(res, prefixed ? &id : nullptr);
    if (!view)
      return;
    std::vector<std::string> args;
    for (std::size_t i = prefixed ? 2 : 1; i < req.matches.size(); ++i)
      args.push_back(req.matches[i]);
    handler(*this, *view, req, args, res);
  };
  get("/v1" + suffix, [serve](const http::request& req, http::response& res) { serve(req, res, false); });
  get("/v1/chains/([^/]+)" + suffix, [serve](const http::request& req, http::response& res) { serve(req, res, true); });
}

std::optional<std::uint32_t> bridge_core::chain_id_of(const chain_view& c, http::response& res) {
  if (c.prefix != "/v1")
    return c.handles.id;
  caf::scoped_actor self{system};
  auto h = configured_chain(self, &res);
  if (!h)
    return std::nullopt;
  return h->id;
}

std::string bridge_core::at_current_height(std::string body, const std::vector<std::string>& tags) {
  // The first tag names the read's chain and stage (cache::read_tags).
  const auto read = tags.empty() ? std::nullopt : cache::tag_chain(tags.front());
  if (!config.cache || !read)
    return body;
  const auto [chain, stage] = *read;
  const char* field = stage == cache::read_stage::final ? "final_height" : "height";
  const auto now = config.cache->height_of(chain, static_cast<char>(stage));
  if (now == 0)
    return body;
  auto j = json_object::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains(field) || !j[field].is_number_unsigned() || j[field].get<std::uint64_t>() >= now)
    return body;
  j[field] = now;
  return j.dump();
}

std::optional<std::uint32_t> bridge_core::cache_chain_id(const chain_view& c) {
  if (c.prefix != "/v1")
    return c.handles.id;
  if (auto known = configured_id.load())
    return known;
  caf::scoped_actor self{system};
  auto h = configured_chain(self, nullptr);
  if (!h)
    return std::nullopt;
  configured_id.store(h->id);
  return h->id;
}

std::optional<acl::signed_request> bridge_core::authenticate(const http::request& req, http::response& res,
                                                             std::uint32_t chain) {
  auto refuse = [&](const std::string& detail) {
    res.set_header("WWW-Authenticate", "Bfd-Signature");
    reply(res, 401, error_json(edge_reason::unauthenticated, detail));
    return std::nullopt;
  };
  const std::string key_name(acl::public_key_header);
  const std::string time_name(acl::timestamp_header);
  const std::string sig_name(acl::signature_header);
  if (!req.has_header(key_name) || !req.has_header(time_name) || !req.has_header(sig_name))
    return refuse("this read is protected: sign it with the " + key_name + ", " + time_name + " and " + sig_name
                  + " headers (docs/http.md, \"Signed requests\")");
  if (req.get_header_value_count(key_name) != 1 || req.get_header_value_count(time_name) != 1
      || req.get_header_value_count(sig_name) != 1)
    return refuse("each X-Bfd-* header must appear once");
  auto parsed = acl::parse_signed_request(req.get_header_value(key_name), req.get_header_value(time_name),
                                          req.get_header_value(sig_name));
  if (!parsed)
    return refuse(parsed.error().message());
  const std::string& target = req.target.empty() ? req.path : req.target;
  const auto body = byte_view{reinterpret_cast<const byte*>(req.body.data()), req.body.size()};
  const auto now = time->now_ms();
  if (auto st = acl::verify_signed_request(*parsed, chain, req.method, target, body, now); !st)
    return refuse(st.error().message());
  acl::remembered seen;
  {
    std::lock_guard lock(replay_mutex);
    seen = replays.remember(parsed->sig, parsed->timestamp_ms, now);
  }
  if (seen == acl::remembered::replay)
    return refuse("this signature was already used: sign each request anew (replays are refused)");
  if (seen == acl::remembered::full) {
    res.set_header("Retry-After", "1");
    reply(res, 503, error_json(edge_reason::unavailable, "too many signed requests within the last minute"));
    return std::nullopt;
  }
  return *parsed;
}

std::optional<access_answer> bridge_core::ask_access(http::response& res, const chain_view& c,
                                                     const access_query& q) {
  caf::scoped_actor self{system};
  auto answer = ask<access_answer>(self, &res, c.handles.chain, acl_atom::value, q);
  if (!answer)
    return std::nullopt;
  if (const auto code = static_cast<errc>(answer->code); code != errc::ok) {
    reply(res, code == errc::not_found ? 404 : 400, error_json(make_error(code, answer->detail)));
    return std::nullopt;
  }
  return answer;
}

std::optional<address> bridge_core::signed_caller(const http::request& req, http::response& res,
                                                  const chain_view& c) {
  auto chain = chain_id_of(c, res);
  if (!chain)
    return std::nullopt;
  auto caller = authenticate(req, res, *chain);
  if (!caller)
    return std::nullopt;
  return caller->account();
}

std::optional<address> bridge_core::authorize_read(const http::request& req, http::response& res,
                                                   const chain_view& c, const acl::scope& s) {
  auto caller = signed_caller(req, res, c);
  if (!caller)
    return std::nullopt;
  access_query q;
  q.what = static_cast<std::uint8_t>(access_query_kind::read);
  q.scope_kind = static_cast<std::uint8_t>(s.kind);
  q.scope_id = s.id;
  q.account = *caller;
  auto answer = ask_access(res, c, q);
  if (!answer)
    return std::nullopt;
  if (answer->decision != 0) {
    reply(res, 403, error_json(make_error(static_cast<errc>(answer->decision), answer->decision_detail)));
    return std::nullopt;
  }
  return q.account;
}

void bridge_core::chain_post(const std::string& suffix, chain_post_handler handler) {
  auto serve = [this, handler](const http::request& req, http::response& res,
                               const http::content_reader& reader, bool prefixed) {
    const std::string id = prefixed ? req.matches[1] : std::string();
    auto view = resolve(res, prefixed ? &id : nullptr);
    if (!view) {
      // The body is still on the wire: the connection cannot carry another request.
      res.set_header("Connection", "close");
      return;
    }
    handler(*this, *view, res, reader);
  };
  handlers.push_back({"POST", "/v1" + suffix});
  handlers.push_back({"POST", "/v1/chains/([^/]+)" + suffix});
  routing.push_back({"POST", std::regex("/v1" + suffix), [serve](const request& req, response& res) {
                       serve(req, res, content_reader{req.body}, false);
                     }});
  routing.push_back({"POST", std::regex("/v1/chains/([^/]+)" + suffix), [serve](const request& req, response& res) {
                       serve(req, res, content_reader{req.body}, true);
                     }});
}

bool bridge_core::read_body(response& res, const content_reader& reader, std::string& body) {
  // The server read the body within max_body_bytes before the handler ran (413 otherwise).
  const auto max = config.options.max_body_bytes;
  if (reader.body.size() > max) {
    reply(res, 413, error_json(make_error(errc::too_large, "the body is larger than " + std::to_string(max) + " bytes")));
    return false;
  }
  body = reader.body;
  return true;
}

void bridge_core::stop() {
  std::lock_guard lock(stop_mutex);
  if (stopped)
    return;
  stopped = true;
  if (srv)
    srv->stop();
  // Under a supervisor the actor stops with the node's other children.
  if (edge && !config.place)
    caf::anon_send_exit(edge, caf::exit_reason::user_shutdown);
}

void bridge_core::chain_post_async(const std::string& suffix,
                                   void (*take)(bridge_core&, const request&, std::optional<std::uint32_t>,
                                                const responder&)) {
  // Registered like any route (the route table test sees them), but served by serve_async.
  handlers.push_back({"POST", "/v1" + suffix});
  handlers.push_back({"POST", "/v1/chains/([^/]+)" + suffix});
  routing.push_back({"POST", std::regex("/v1" + suffix), {}});
  routing.push_back({"POST", std::regex("/v1/chains/([^/]+)" + suffix), {}});
  async_routes.push_back({"/v1" + suffix, false, [this, take](const request& req, const responder& r) {
                            take(*this, req, std::nullopt, r);
                          }});
  async_routes.push_back(
    {"/v1/chains/{chain}" + suffix, true, [this, take](const request& req, const responder& r) {
       const auto chain = parse_chain_id(req.matches.at(1));
       if (!chain) {
         response res;
         reply(res, 400, error_json(make_error(errc::invalid_argument, "a chain id is a decimal number below 2^32, not '"
                                                                         + clipped(req.matches.at(1), 32) + "'")));
         return r(std::move(res));
       }
       take(*this, req, *chain, r);
     }});
}

bool bridge_core::serve_async(request& req, const responder& respond) {
  if (req.method != "POST")
    return false;
  for (const auto& a : async_routes) {
    if (req.route != a.path)
      continue;
    req.matches.assign(1, req.path);
    if (a.prefixed) {
      // "/v1/chains/<id>/…": screen matched the template, so the segment is there.
      constexpr std::string_view head = "/v1/chains/";
      const auto rest = std::string_view(req.path).substr(head.size());
      req.matches.emplace_back(rest.substr(0, rest.find('/')));
    }
    a.take(req, respond);
    return true;
  }
  return false;
}

void bridge_core::preverify(const transaction& tx) {
  if (!config.verified)
    return;
  const auto id = signing_hash(tx);
  const auto entry = entry_hash(id, tx);
  if (!config.verified->contains(entry) && verify(tx.sender, id.view(), tx.sig))
    config.verified->add(entry);
}

} // namespace bfd::http
