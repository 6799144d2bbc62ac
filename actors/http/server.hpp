// The HTTP bridge's server: Boost.Beast over Asio. A few I/O threads own every socket (reading
// heads and bodies within their bounds and deadlines, keep-alive, writing). A complete request is
// either taken by the asynchronous hook (answered later, from any thread, through a responder:
// the transaction routes, which the bridge's actor serves) or goes to a bounded pool of handler
// threads, so a slow client never holds a handler thread and a blocking handler never holds an
// I/O thread. Bounds and reasons: docs/http.md, "The server".
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "actors/http/message.hpp"
#include "chains/core/error.hpp"

namespace bfd::http {

/// The server's bounds (http_options carries them from the node's configuration).
struct server_limits {
  std::size_t io_threads = 2;                  ///< threads that own the sockets
  std::size_t workers = 8;                     ///< handler threads
  std::size_t max_queued = 1024;               ///< complete requests waiting for a handler; more get 503 busy
  std::size_t max_header_bytes = 8 * 1024;     ///< request line and header fields; more get 431
  std::size_t max_body_bytes = 256 * 1024;     ///< more get 413 before the body is read
  std::size_t max_connections = 4096;          ///< open connections in all; more are answered 503 and closed
  std::size_t max_connections_per_client = 1024;  ///< open connections from one IP address; likewise
  std::chrono::milliseconds idle_timeout{5000};   ///< a connection with no request begun is closed after this
  std::chrono::milliseconds header_timeout{5000}; ///< a head not complete this long after its first byte: closed
  std::chrono::milliseconds body_timeout{10000};  ///< a body not complete this long after its head: closed
  std::chrono::milliseconds write_timeout{5000};  ///< a response not taken by the client within this: closed
};

struct responder_state;

/// Answers one request taken by server_hooks::serve_async, later and from any thread. Copies
/// share one answer: the first call answers, later ones do nothing. If every copy is destroyed
/// without an answer, the client gets a 503 `unavailable` (the work behind it was dropped, e.g. an
/// actor that failed). After the server stopped, answering does nothing.
class responder {
public:
  explicit responder(std::shared_ptr<responder_state> s) : s_(std::move(s)) {}
  void operator()(response r) const;
  /// True once an answer was given (by any copy).
  bool answered() const noexcept;

private:
  std::shared_ptr<responder_state> s_;
};

/// What the server calls, and where.
struct server_hooks {
  /// On an I/O thread once a request's head has arrived (body not read yet): nothing to go on,
  /// or the answer that refuses it (its body is then never read). Must not block.
  std::function<std::optional<response>(request&)> screen;
  /// On an I/O thread with the complete request, before the handler pool: true if it took the
  /// request (it then answers through the responder, at most max_queued such requests at once:
  /// more get 503 busy without being offered), false to leave it to a handler thread. Must not
  /// block; empty: every request goes to the pool.
  std::function<bool(request&, const responder&)> serve_async;
  /// On a handler thread with the complete request: the answer.
  std::function<response(request&)> serve;
  /// After every answer the server made (including its own refusals: busy, 413, 431), on the
  /// thread that made it: counting and logging.
  std::function<void(const request&, const response&)> answered;
};

/// Counters of what the server refused or closed by itself (shown in /metrics).
struct server_stats {
  std::atomic<std::uint64_t> open_connections{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused_connections{0};  ///< over the total or per-client bound
  std::atomic<std::uint64_t> timed_out{0};            ///< closed by the idle, head, body or write deadline
  std::atomic<std::uint64_t> busy{0};                 ///< answered 503 busy: the handler queue was full
  std::atomic<std::uint64_t> queued{0};               ///< requests waiting for a handler now
  std::atomic<std::uint64_t> in_flight{0};            ///< requests taken by serve_async, not answered yet
};

/// A running server. Stop it (or destroy it) before what its hooks refer to.
class server {
public:
  /// Binds address:port (0: any free port) and starts the I/O and handler threads; errc::io if
  /// the address cannot be bound.
  static result<std::unique_ptr<server>> start(const std::string& address, std::uint16_t port,
                                               server_limits limits, server_hooks hooks);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  std::uint16_t port() const noexcept;
  const server_stats& stats() const noexcept;
  const server_limits& limits() const noexcept;

  /// Stops accepting, waits for the handlers running, closes every connection and joins the
  /// threads. Idempotent.
  void stop();

  struct state;

private:
  explicit server(std::unique_ptr<state> s);
  std::unique_ptr<state> state_;
};

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`); nothing for a bad escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

/// Splits a target into its decoded path and query parameters; false for a bad escape.
bool parse_target(std::string_view target, std::string& path, std::multimap<std::string, std::string>& params);

} // namespace bfd::http
