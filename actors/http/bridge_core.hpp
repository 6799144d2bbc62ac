// The HTTP bridge's core, shared by its handler files: the route table, bounds, the per-client
// rate limiter, the metrics registry, error replies and the actor-request helper with a timeout.
// Internal to actors/http: nothing outside that folder includes it.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <functional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "actors/cache/read_cache.hpp"
#include "actors/http/handshake_mailbox.hpp"
#include "actors/http/http_bridge.hpp"
#include "actors/http/message.hpp"
#include "actors/http/server.hpp"
#include "chains/access/signed_request.hpp"
#include "protocols/json.hpp"

namespace bfd::http {

class edge_intake;

using steady = std::chrono::steady_clock;
/// Paths longer than this match no route; checked before the handlers' regular expressions run.
inline constexpr std::size_t max_path_length = 512;
/// A schedule never lists more slots than this.
inline constexpr std::size_t max_schedule_slots = 10'000;
/// The largest explorer file served (docs/explorer.md): larger ones are refused, never read.
inline constexpr std::uintmax_t max_explorer_file_bytes = 1024 * 1024;
/// Client IPs the rate limiter remembers before forgetting the idle ones.
inline constexpr std::size_t max_tracked_clients = 10'000;

// Routes -----------------------------------------------------------------------------------------

/// One route: its method and path template ("{…}" matches one non-empty segment). The template
/// is also the route's label in /metrics.
struct route_spec {
  std::string_view method;
  std::string path;
};

/// Every route: the node's own, and each chain route twice, unprefixed (the configured chain,
/// the mainchain) and under /v1/chains/{chain}. Built once; its strings live as long as the process.
const std::vector<route_spec>& routes();

inline constexpr std::string_view unmatched_label = "unmatched";

/// What the routing table says about a request.
struct route_match {
  const route_spec* route = nullptr;  ///< the route serving it
  const route_spec* path = nullptr;   ///< a route with this path (for another method, maybe)
  std::string allow;                  ///< the methods this path accepts
};

route_match match_route(std::string_view method, std::string_view path);

/// A bounded set of method labels, whatever methods clients invent.
std::string_view method_label(std::string_view method);

// Small helpers ----------------------------------------------------------------------------------

/// HTTP status of a refused transaction (docs/http.md): 409 for conflicts with the sender's
/// other transactions, 503 when the pool is full, 400 for everything wrong with the transaction.
int status_of_refusal(errc code);

void reply(http::response& res, int status, const json_object& body);

std::string clipped(std::string_view text, std::size_t max = 100);

/// A decimal block height: digits only, at most 2^64-1.
std::optional<std::uint64_t> parse_height(std::string_view text);

/// A decimal chain id: digits only, at most 2^32-1.
std::optional<std::uint32_t> parse_chain_id(std::string_view text);

// Rate bound ---------------------------------------------------------------------------------

/// A token bucket per client IP: `rate` tokens a second up to `burst`; a request takes one.
class rate_limiter {
public:
  rate_limiter(std::uint32_t rate, std::uint32_t burst);
  bool allow(const std::string& client);
  std::uint32_t rate() const noexcept { return rate_; }

private:
  struct bucket {
    double tokens;
    steady::time_point last;
  };

  /// Buckets that have refilled are the same as absent ones: drop them, or all if none has.
  void forget_idle(steady::time_point now);

  const std::uint32_t rate_;
  const std::uint32_t burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
};

// Metrics ----------------------------------------------------------------------------------------

/// The bridge's own registry: chain gauges refreshed on each scrape, HTTP counters as requests end.
/// Every per-chain series carries a `chain` label.
struct bridge_metrics {
  prometheus::Registry registry;
  prometheus::Family<prometheus::Gauge>& head_height;
  prometheus::Family<prometheus::Gauge>& final_height;
  prometheus::Family<prometheus::Gauge>& mempool_size;
  prometheus::Family<prometheus::Gauge>& peg_conservation;
  prometheus::Family<prometheus::Gauge>& delegate_blocks;
  prometheus::Family<prometheus::Gauge>& delegate_missed;
  prometheus::Family<prometheus::Gauge>& category_blocks;
  prometheus::Family<prometheus::Gauge>& category_missed;
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Counter>& actor_restarts;
  prometheus::Family<prometheus::Counter>& triage_reports;
  prometheus::Family<prometheus::Counter>& cache_requests;
  prometheus::Family<prometheus::Counter>& cache_invalidations;
  prometheus::Family<prometheus::Gauge>& cache_entries;
  prometheus::Family<prometheus::Counter>& cache_backend_errors;
  prometheus::Family<prometheus::Gauge>& connections;          ///< the server's open connections and queue
  prometheus::Family<prometheus::Counter>& connection_events;  ///< accepted, refused, timed out, busy
  prometheus::Family<prometheus::Histogram>& latency;
  std::map<std::string_view, prometheus::Histogram*> latency_by_route;

  bridge_metrics();
  void update(std::uint32_t chain, const chain_info& info, const std::vector<delegate_summary>& delegates,
              const consensus_params& params);
  void update_mempool(std::uint32_t chain, std::uint64_t size);
};

// Chains -----------------------------------------------------------------------------------------

/// The chain a request is about, resolved from its path.
struct chain_view {
  chain_handles handles;  ///< id 0 for the unprefixed routes (the configured chain, not asked)
  consensus_params params;
  std::string prefix;     ///< "/v1" or "/v1/chains/{id}": where this chain's routes are
};

struct bridge_core;

/// A GET handler of a chain route: the chain, the path's captures after the chain id, the reply.
using chain_get_handler = void (*)(bridge_core&, const chain_view&, const std::vector<std::string>&, http::response&);
/// A GET handler that also sees the request (its headers: signed reads).
using chain_read_handler = void (*)(bridge_core&, const chain_view&, const http::request&,
                                    const std::vector<std::string>&, http::response&);
/// A POST handler of a chain route, which reads its body itself (bounded).
using chain_post_handler = void (*)(bridge_core&, const chain_view&, http::response&, const http::content_reader&);

// The core ---------------------------------------------------------------------------------------

/// The server and what every handler needs: the configuration, the clock, the metrics and the
/// actor-request helper.
struct bridge_core {
  caf::actor_system& system;
  http_bridge_config config;
  std::shared_ptr<const clock> time;
  bridge_metrics metrics;
  rate_limiter limiter;
  std::unique_ptr<http::server> srv;  ///< the running server, once listen() succeeded
  std::uint16_t port = 0;
  std::mutex stop_mutex;
  bool stopped = false;
  std::mutex metrics_mutex;  ///< one scrape updates the chain gauges at a time
  std::mutex replay_mutex;   ///< guards `replays`
  acl::replay_cache replays; ///< signatures of signed requests served within the window
  /// A registered handler: its method, path pattern (a regular expression) and function.
  struct handler_entry {
    std::string method;
    std::regex pattern;
    std::function<void(const request&, response&)> serve;  ///< empty for a route the actor serves
  };
  caf::actor edge;  ///< the bridge's actor (edge_actor.hpp), or its front under a supervisor
  std::shared_ptr<edge_intake> intake;  ///< where the I/O threads hand it transactions
  /// The routes the actor serves, by their template (request::route, set by screen): found
  /// without a regular expression on the I/O thread.
  struct async_route {
    std::string path;  ///< "/v1/txs" or "/v1/chains/{chain}/txs"
    bool prefixed;     ///< the chain id is the path's fourth segment
    std::function<void(const request&, const responder&)> take;
  };
  std::vector<async_route> async_routes;
  std::vector<handler_entry> routing;  ///< in registration order: the first match serves
  std::vector<http_route> handlers;  ///< every pattern registered, by install()
  handshake_mailbox mailbox;         ///< the handshake sessions (routes_handshakes.cpp)

  bridge_core(caf::actor_system& sys, http_bridge_config cfg);

  /// Asks an actor and waits at most the configured timeout. On failure, writes the error
  /// response into `res` (unless it is null) and returns nothing.
  template <class T, class Handle, class... Ts>
  std::optional<T> ask(caf::scoped_actor& self, http::response* res, const Handle& dest, const Ts&... xs) {
    std::optional<T> out;
    if (!dest) {
      if (res)
        reply(*res, 503, error_json(edge_reason::unavailable, "the node's actors are not running"));
      return out;
    }
    self->request(dest, config.options.timeout, xs...)
      .receive([&](const T& value) { out = value; },
               [&](const caf::error& err) {
                 if (!res)
                   return;
                 if (err == caf::sec::request_timeout)
                   reply(*res, 504, error_json(edge_reason::timeout, "the chain did not answer within "
                                                                       + std::to_string(config.options.timeout.count())
                                                                       + " ms"));
                 else
                   reply(*res, 503, error_json(edge_reason::unavailable, system.render(err)));
               });
    return out;
  }

  /// The configured chain as a directory entry (its id asked from the chain actor; kind
  /// mainchain, token BFDT); nothing if it does not answer (after replying, unless `res` is null).
  std::optional<chain_handles> configured_chain(caf::scoped_actor& self, http::response* res);

  /// Every chain this node hosts, by id: the directory's, or the configured chain alone.
  std::optional<std::vector<chain_handles>> hosted_chains(caf::scoped_actor& self, http::response* res);

  /// A chain's consensus parameters: config.chain_params' answer, else config.params.
  consensus_params params_of(std::uint32_t chain) const;

  /// The chain of a request: the configured one when `id` is null, else the chain with that id
  /// (400 invalid_argument for a malformed id, 404 not_found for one this node does not host).
  std::optional<chain_view> resolve(http::response& res, const std::string* id);

  /// Registers a GET handler for `pattern` (a regular expression) and remembers the pattern.
  /// Every handler goes through this, chain_get or chain_post, so `handlers` lists them all.
  void get(const std::string& pattern, std::function<void(const request&, response&)> handler);

  /// Registers a POST handler for `pattern` (a regular expression) and remembers the pattern.
  void post(const std::string& pattern, std::function<void(const request&, response&, const content_reader&)> handler);

  /// Registers GET "/v1" + suffix (the configured chain) and GET "/v1/chains/([^/]+)" + suffix.
  void chain_get(const std::string& suffix, chain_get_handler handler);

  /// chain_get for a handler that reads the request's headers (protected reads).
  void chain_get(const std::string& suffix, chain_read_handler handler);

  /// The id of a request's chain: the view's, or the configured chain's for the unprefixed
  /// routes (asked, as their views carry none); nothing after replying.
  std::optional<std::uint32_t> chain_id_of(const chain_view& c, http::response& res);

  /// The caller of a signed request (docs/http.md, "Signed requests"): the X-Bfd-* headers parsed
  /// and verified over chain `chain`, the request's method, target and body, at the node's
  /// clock, and its signature not seen before. Nothing after replying 401 `unauthenticated`
  /// (503 when the replay cache is full).
  std::optional<acl::signed_request> authenticate(const http::request& req, http::response& res,
                                                  std::uint32_t chain);

  /// The account that signed a protected read of chain `c` (authenticate over `c`'s id); nothing
  /// after replying.
  std::optional<address> signed_caller(const http::request& req, http::response& res, const chain_view& c);

  /// A protected read of scope `s` on chain `c`: authenticate, then the caller must hold `read`
  /// (or `admin`) on `s` or on global in the chain's head state. The caller, or nothing after
  /// replying 401, 403 `access_denied`, or 404 when the chain has no access module. Every
  /// protected route calls this (or authenticate and its own rule) before reading anything.
  std::optional<address> authorize_read(const http::request& req, http::response& res, const chain_view& c,
                                        const acl::scope& s);

  /// Asks chain `c` an access query; nothing after replying (404 without an access module, 400
  /// for a malformed query).
  std::optional<access_answer> ask_access(http::response& res, const chain_view& c, const access_query& q);

  /// The id of a request's chain for the read cache's keys: the view's, or the configured
  /// chain's (asked once, then remembered: it never changes); nothing if it does not answer.
  std::optional<std::uint32_t> cache_chain_id(const chain_view& c);
  std::atomic<std::uint32_t> configured_id{0};  ///< the configured chain's id once known (0: not yet)

  /// A cached body with its height field brought to the chain's current height: the read's
  /// chain and stage are the first tag's ("c7:f"); "final_height" ('f') or "height" ('h') is
  /// raised to what the chain last told the cache (read_cache::advance) — the entry is still
  /// valid, so its value is the state's at that height. Unchanged when it cannot tell.
  std::string at_current_height(std::string body, const std::vector<std::string>& tags);

  /// A read through the read cache (docs/cache.md): on a hit, 200 with the cached body; on a
  /// miss (or without a cache), `read(res)` answers from the chain, and a 200 it wrote is stored
  /// under `key` for `tags`. Errors are never cached.
  template <class Read>
  void cached(http::response& res, cache_kind kind, const std::string& key, const std::vector<std::string>& tags,
              Read read) {
    if (!config.cache)
      return read(res);
    auto r = config.cache->get(kind, key, tags);
    if (r.value) {
      res.status = 200;
      res.set_header("X-Bfd-Cache", "hit");
      res.set_content(at_current_height(std::move(*r.value), tags), "application/json");
      return;
    }
    read(res);
    res.set_header("X-Bfd-Cache", "miss");
    if (res.status == 200)
      config.cache->put(key, tags, r.ticket, res.body);
  }

  /// Registers POST "/v1" + suffix and POST "/v1/chains/([^/]+)" + suffix.
  void chain_post(const std::string& suffix, chain_post_handler handler);

  /// Registers POST "/v1" + suffix and POST "/v1/chains/([^/]+)" + suffix as routes the
  /// bridge's actor serves: `take` runs on the I/O thread with the chain id (nothing for the
  /// configured chain; a malformed id is answered 400 before it runs) and hands a job to `edge`.
  void chain_post_async(const std::string& suffix,
                        void (*take)(bridge_core&, const request&, std::optional<std::uint32_t>, const responder&));

  /// On the I/O thread: a POST to a route the actor serves is taken (true); anything else is left
  /// to the handler threads (false).
  bool serve_async(request& req, const responder& respond);

  /// Checks a transaction's signature now (on the calling I/O thread) and notes a valid one in
  /// config.verified, so the mempool admits it without a verifier hop. Nothing without a cache.
  void preverify(const transaction& tx);

  /// Reads a bounded request body (chunked and length-less bodies are bounded here too, not only
  /// those with a Content-Length); false after replying 413 or 400.
  bool read_body(http::response& res, const http::content_reader& reader, std::string& body);

  /// Every resource's routes.
  void install();

  /// Binds the configured address and port and starts the server (server.hpp).
  result<std::uint16_t> listen();

  /// Rate bound, route and method checks on an I/O thread once a request's head is in: refused
  /// requests cost no body, no handler thread and no regular expression. Sets req.route.
  std::optional<http::response> screen(http::request& req);

  /// Runs the handler of a complete request (on a handler thread); 500 if it throws.
  http::response serve(http::request& req);

  /// Counts and times every answered request (requests the server refused by itself are counted
  /// under "unmatched").
  void after(const http::request& req, const http::response& res);

  /// The request counter of a route, method and status, found once through its family (whose
  /// Add builds and hashes a label map under a lock) and then from here. The route and the method
  /// label are views of strings that live as long as the bridge (route templates, literals).
  std::mutex counters_mutex;
  std::map<std::tuple<std::string_view, std::string_view, int>, prometheus::Counter*> counters;

  void stop();
};

// One registration function per resource (routes_*.cpp) ----------------------------------------

/// GET /v1/info, GET /healthz, GET /v1/chains and GET /v1/chains/{chain}.
void register_node_routes(bridge_core& core);
/// GET /v1/certificate.
void register_finality_routes(bridge_core& core);
/// GET /v1/blocks/{id}.
void register_block_routes(bridge_core& core);
/// POST /v1/txs, POST /v1/txs/batch, GET /v1/txs/{id}.
void register_tx_routes(bridge_core& core);
/// GET /v1/accounts/{address}.
void register_account_routes(bridge_core& core);
/// GET /v1/delegates and GET /v1/schedule.
void register_delegate_routes(bridge_core& core);
/// GET /metrics.
void register_metrics_routes(bridge_core& core);
/// GET /v1/chains/{chain}/anchor/{height}.
void register_anchor_routes(bridge_core& core);
/// GET /v1/peg/messages/{id}.
void register_peg_routes(bridge_core& core);
/// GET /v1/access/scopes/{scope}, /v1/access/accounts/{address}, /v1/access/check/….
void register_access_routes(bridge_core& core);
/// GET /v1/contracts/… (templates, a contract, its events; its state as signed reads).
void register_contract_routes(bridge_core& core);
/// GET /v1/chains/{chain}/ds[/{section}[/{from}]] (routes_ds.cpp; the members as signed reads).
void register_ds_routes(bridge_core& core);
/// GET /v1/chains/{chain}/funds and /funds/holders[?from=] (routes_funds.cpp).
void register_funds_routes(bridge_core& core);
/// GET /v1/chains/{chain}/health?contract=…&from=…[&to=…] (routes_health.cpp).
void register_health_routes(bridge_core& core);
/// GET /v1/services, /v1/services/{id or uuid}, /v1/services/{id}/resolve/{chain}
/// (routes_services.cpp).
void register_services_routes(bridge_core& core);
/// POST /v1/handshakes, GET /v1/handshakes?to=…, GET /v1/handshakes/{id}, POST …/{id}/reply,
/// …/finish, …/payment (routes_handshakes.cpp): the handshake mailbox.
void register_handshake_routes(bridge_core& core);
/// GET /v1/chains/{chain}/authority/groups/{group} (routes_authority.cpp).
void register_authority_routes(bridge_core& core);
/// GET /explorer/ and GET /explorer/{file}: the web explorer's static files (routes_explorer.cpp).
void register_explorer_routes(bridge_core& core);

} // namespace bfd::http
