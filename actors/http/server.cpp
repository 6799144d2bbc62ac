// The HTTP bridge's server on Boost.Beast: accepting within the connection bounds, one session
// per connection on one of the I/O threads, the asynchronous hand-off (responders) and the
// bounded pool of handler threads. Each I/O thread runs its own event loop and owns the
// connections handed to it (round robin): a connection's handlers never need a strand, and the
// threads never wake each other (one shared loop had them hand work back and forth through its
// mutex and condition variable).
#include "actors/http/server.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "protocols/json.hpp"

namespace bfd::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = net::ip::tcp;

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size())
        return std::nullopt;
      const int hi = hex(text[i + 1]);
      const int lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool parse_target(std::string_view target, std::string& path, std::multimap<std::string, std::string>& params) {
  const auto q = target.find('?');
  auto p = percent_decode(target.substr(0, q), false);
  if (!p)
    return false;
  path = std::move(*p);
  if (q == std::string_view::npos)
    return true;
  auto query = target.substr(q + 1);
  if (const auto hash = query.find('#'); hash != std::string_view::npos)
    query = query.substr(0, hash);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty())
      continue;
    const auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value)
      return false;
    params.emplace(std::move(*key), std::move(*value));
  }
  return true;
}

namespace {

/// A fixed set of handler threads with a bounded queue: a full queue refuses, never grows.
class worker_pool {
public:
  worker_pool(std::size_t threads, std::size_t capacity, std::atomic<std::uint64_t>& queued)
      : capacity_(capacity), queued_(queued) {
    for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i)
      threads_.emplace_back([this] { run(); });
  }
  ~worker_pool() { stop(); }

  /// Queues a task; false when the queue holds `capacity` tasks already (or the pool stopped).
  bool try_post(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || tasks_.size() >= capacity_)
        return false;
      tasks_.push_back(std::move(task));
      queued_.store(tasks_.size());
    }
    ready_.notify_one();
    return true;
  }

  /// Lets the running tasks finish, drops the queued ones and joins the threads.
  void stop() {
    std::deque<std::function<void()>> dropped;
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      dropped.swap(tasks_);
      queued_.store(0);
    }
    ready_.notify_all();
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
    threads_.clear();
  }

private:
  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (stopping_)
          return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
        queued_.store(tasks_.size());
      }
      task();
    }
  }

  const std::size_t capacity_;
  std::atomic<std::uint64_t>& queued_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

response error_response(int status, const json_object& body) {
  response r;
  r.status = status;
  r.set_content(json_text(body), "application/json");
  return r;
}

} // namespace

/// Whether answers may still reach the sessions: closed (under its mutex) before the server's
/// loop stops, so a responder never posts to a loop that is gone.
struct answer_gate {
  std::mutex mutex;
  bool open = true;
};

struct server::state {
  server_limits limits;
  server_hooks hooks;
  server_stats stats;
  /// One event loop per I/O thread; the first one also accepts.
  std::vector<std::unique_ptr<net::io_context>> loops;
  std::size_t next_loop = 0;  ///< where the next connection goes (on the accepting thread)
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> io_threads;
  std::unique_ptr<worker_pool> pool;
  std::uint16_t port = 0;
  std::mutex stop_mutex;
  bool stopped = false;
  std::mutex clients_mutex;
  std::unordered_map<std::string, std::size_t> per_client;  ///< open connections by client IP
  std::shared_ptr<answer_gate> gate = std::make_shared<answer_gate>();
  std::mutex waiting_mutex;
  /// Sessions whose request a responder will answer: nothing else holds them meanwhile.
  std::unordered_map<const void*, std::shared_ptr<void>> waiting;

  void hold(std::shared_ptr<void> s) {
    std::lock_guard lock(waiting_mutex);
    const void* key = s.get();
    waiting.emplace(key, std::move(s));
  }
  void unhold(const void* key) {
    std::shared_ptr<void> last;  // destroyed outside the lock
    std::lock_guard lock(waiting_mutex);
    if (auto i = waiting.find(key); i != waiting.end()) {
      last = std::move(i->second);
      waiting.erase(i);
    }
  }

  explicit state(server_limits l, server_hooks h) : limits(std::move(l)), hooks(std::move(h)) {}

  /// Counts a new connection from `ip`: nothing if it fits the bounds, else the refusal.
  std::optional<response> admit(const std::string& ip) {
    std::lock_guard lock(clients_mutex);
    if (stats.open_connections.load() >= limits.max_connections)
      return error_response(503, error_json(edge_reason::too_many_connections,
                                            "the node holds " + std::to_string(limits.max_connections)
                                              + " connections already: retry later"));
    auto& n = per_client[ip];
    if (n >= limits.max_connections_per_client)
      return error_response(503, error_json(edge_reason::too_many_client_connections,
                                            "this address holds " + std::to_string(limits.max_connections_per_client)
                                              + " connections already: reuse them"));
    ++n;
    ++stats.open_connections;
    return std::nullopt;
  }

  void release(const std::string& ip) {
    std::lock_guard lock(clients_mutex);
    if (auto i = per_client.find(ip); i != per_client.end() && --i->second == 0)
      per_client.erase(i);
    --stats.open_connections;
  }

  void accept();
};

namespace {

bool is_timeout(const beast::error_code& ec) {
  return ec == beast::error::timeout;
}

/// The client went away or a deadline passed: close the connection without an answer.
bool is_gone(const beast::error_code& ec) {
  return ec == bh::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset
         || ec == net::error::operation_aborted || is_timeout(ec);
}

/// One connection: reads a request within its bounds, hands it to a handler thread, writes the
/// answer, and waits for the next one while the client keeps it alive.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, server::state& s, std::string ip, bool counted)
      : stream_(std::move(socket)), s_(s), ip_(std::move(ip)), counted_(counted) {}

  ~session() {
    if (counted_)
      s_.release(ip_);
  }

  void start() { net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_request(); }); }

  /// Answers `r` (a refusal of the connection) and closes.
  void refuse(response r) {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), r = std::move(r)]() mutable {
      self->req_.method = "GET";
      self->keep_alive_ = false;
      self->write(std::move(r), false);
    });
  }

private:
  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(s_.limits.max_header_bytes));
    parser_->body_limit(s_.limits.max_body_bytes);
    req_ = request{};
    req_.remote_addr = ip_;
    if (buffer_.size() > 0)
      return read_header();
    // Idle: wait for the first byte of the next request.
    stream_.expires_after(s_.limits.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec)
        return self->close(ec);
      self->buffer_.commit(n);
      self->read_header();
    });
  }

  void read_header() {
    arm(s_.limits.header_timeout);
    bh::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  /// The head's or the body's deadline: unlike the stream's own expiry (which closes the socket),
  /// it cancels the read, so the client still gets a 408 before the close.
  void arm(std::chrono::milliseconds limit) {
    stream_.expires_never();
    expired_ = false;
    deadline_.expires_after(limit);
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return;  // cancelled: the read finished first
      self->expired_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
  }

  /// A read of a head or body has finished: true if it failed because its deadline passed (then
  /// answered 408).
  bool late(const beast::error_code& ec, std::chrono::milliseconds limit, std::string_view what) {
    deadline_.cancel();
    if (!expired_ || !ec)
      return false;
    ++s_.stats.timed_out;
    fail(408, error_json(edge_reason::request_timeout, "the request's " + std::string(what) + " did not arrive within "
                                                         + std::to_string(limit.count()) + " ms"));
    return true;
  }

  void on_header(beast::error_code ec) {
    if (late(ec, s_.limits.header_timeout, "head"))
      return;
    if (ec == bh::error::header_limit)
      return fail(431, error_json(edge_reason::header_too_large,
                                  "the request line and header fields exceed "
                                    + std::to_string(s_.limits.max_header_bytes) + " bytes"));
    if (ec == bh::error::body_limit)
      return too_large();
    if (is_gone(ec))
      return close(ec);
    if (ec)
      return fail(400, error_json(make_error(errc::malformed, "not a valid HTTP request: " + ec.message())));
    auto& head = parser_->get();
    req_.received = std::chrono::steady_clock::now();
    req_.method = std::string(head.method_string());
    req_.target = std::string(head.target());
    for (const auto& field : head)
      req_.headers.emplace(std::string(field.name_string()), std::string(field.value()));
    keep_alive_ = head.keep_alive();
    if (!parse_target(req_.target, req_.path, req_.params))
      return fail(400, error_json(make_error(errc::malformed, "the target has a bad %-escape")));
    if (auto refusal = s_.hooks.screen(req_)) {
      // Its body, if any, stays unread on the wire: the connection cannot carry another request.
      if (!parser_->is_done())
        keep_alive_ = false;
      return answer(std::move(*refusal));
    }
    if (parser_->is_done())
      return dispatch();
    if (beast::iequals(head[bh::field::expect], "100-continue")) {
      continue_.emplace(bh::status::continue_, head.version());
      stream_.expires_after(s_.limits.write_timeout);
      return bh::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec)
          return self->close(ec);
        self->read_body();
      });
    }
    read_body();
  }

  void read_body() {
    arm(s_.limits.body_timeout);
    bh::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (late(ec, s_.limits.body_timeout, "body"))
      return;
    if (ec == bh::error::body_limit)
      return too_large();
    if (is_gone(ec))
      return close(ec);
    if (ec)
      return fail(400, error_json(make_error(errc::malformed, "the body could not be read: " + ec.message())));
    req_.body = std::move(parser_->get().body());
    dispatch();
  }

  void too_large() {
    fail(413, error_json(make_error(errc::too_large, "the body is larger than "
                                                       + std::to_string(s_.limits.max_body_bytes) + " bytes")));
  }

  /// Offers the complete request to the asynchronous hook, else hands it to a handler thread; a
  /// full queue answers 503 busy at once.
  void dispatch() {
    stream_.expires_never();
    auto self = shared_from_this();
    if (s_.hooks.serve_async) {
      if (s_.stats.in_flight.load() >= s_.limits.max_queued)
        return busy();
      if (offer())
        return;
    }
    const bool queued = s_.pool->try_post([self] {
      response r;
      try {
        r = self->s_.hooks.serve(self->req_);
      } catch (...) {
        r = error_response(500, error_json(edge_reason::internal, "the node failed to answer this request"));
      }
      net::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable { self->answer(std::move(r)); });
    });
    if (!queued)
      busy();
  }

  void busy() {
    ++s_.stats.busy;
    auto r = error_response(503, error_json(edge_reason::busy, "every handler is busy and "
                                                                 + std::to_string(s_.limits.max_queued)
                                                                 + " requests wait: retry later"));
    r.set_header("Retry-After", "1");
    answer(std::move(r));
  }

  /// Offers the request to serve_async; true if it took it (the session then waits, held by the
  /// server, for its responder).
  bool offer();

public:
  /// On its I/O thread: a responder's answer has arrived.
  void resume(response r) {
    s_.unhold(this);
    answer(std::move(r));
  }

  auto executor() { return stream_.get_executor(); }

private:

  /// A refusal the server makes by itself: answered, counted, and the connection closed.
  void fail(int status, const json_object& body) {
    keep_alive_ = false;
    if (req_.method.empty())
      req_.method = "GET";
    req_.route = "unmatched";
    req_.received = std::chrono::steady_clock::time_point{};
    answer(error_response(status, body));
  }

  void answer(response r) {
    if (r.status < 0)
      r.status = 200;
    if (s_.hooks.answered)
      s_.hooks.answered(req_, r);
    write(std::move(r), req_.method == "HEAD");
  }

  void write(response r, bool head_only) {
    if (r.status < 0)
      r.status = 200;
    res_.emplace();
    res_->version(11);
    res_->result(static_cast<unsigned>(r.status));
    bool close_after = !keep_alive_;
    for (const auto& [name, value] : r.headers) {
      if (beast::iequals(name, "Connection")) {
        if (beast::iequals(value, "close"))
          close_after = true;
        continue;
      }
      res_->insert(name, value);
    }
    keep_alive_ = !close_after;
    const auto size = r.body.size();
    if (!head_only)
      res_->body() = std::move(r.body);
    res_->keep_alive(keep_alive_);
    res_->content_length(size);
    stream_.expires_after(s_.limits.write_timeout);
    bh::async_write(stream_, *res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  void on_write(beast::error_code ec) {
    if (ec)
      return close(ec);
    res_.reset();
    if (!keep_alive_) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      // Linger briefly so the client reads the answer before the close, then drop the socket.
      return close({});
    }
    read_request();
  }

  void close(beast::error_code ec) {
    if (is_timeout(ec))
      ++s_.stats.timed_out;
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  net::steady_timer deadline_{stream_.get_executor()};
  bool expired_ = false;
  server::state& s_;
  std::string ip_;
  bool counted_;
  beast::flat_buffer buffer_;
  std::optional<bh::request_parser<bh::string_body>> parser_;
  std::optional<bh::response<bh::empty_body>> continue_;
  std::optional<bh::response<bh::string_body>> res_;
  request req_;
  bool keep_alive_ = true;
};

} // namespace

struct responder_state {
  std::weak_ptr<session> target;
  std::shared_ptr<answer_gate> gate;
  server::state* owner;
  std::atomic<bool> done{false};

  responder_state(std::weak_ptr<session> t, std::shared_ptr<answer_gate> g, server::state* s)
      : target(std::move(t)), gate(std::move(g)), owner(s) {}

  ~responder_state() {
    if (!done.exchange(true))
      deliver(error_response(503, error_json(edge_reason::unavailable,
                                             "the node dropped this request before answering it: retry")));
  }

  void deliver(response r) {
    std::lock_guard lock(gate->mutex);
    if (!gate->open)
      return;
    --owner->stats.in_flight;
    auto s = target.lock();
    if (!s)
      return;
    net::post(s->executor(), [s, r = std::move(r)]() mutable { s->resume(std::move(r)); });
  }
};

void responder::operator()(response r) const {
  if (s_->done.exchange(true))
    return;
  s_->deliver(std::move(r));
}

bool responder::answered() const noexcept {
  return s_->done.load();
}

namespace {

bool session::offer() {
  auto rs = std::make_shared<responder_state>(weak_from_this(), s_.gate, &s_);
  s_.hold(shared_from_this());
  ++s_.stats.in_flight;
  bool taken = false;
  try {
    taken = s_.hooks.serve_async(req_, responder{rs});
  } catch (...) {
    responder{rs}(error_response(500, error_json(edge_reason::internal, "the node failed to answer this request")));
    return true;
  }
  if (taken)
    return true;
  rs->done = true;  // nothing to answer through it
  --s_.stats.in_flight;
  s_.unhold(this);
  return false;
}

} // namespace

void server::state::accept() {
  auto& loop = *loops[next_loop++ % loops.size()];
  acceptor->async_accept(loop.get_executor(), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor->is_open())
      return;
    if (!ec) {
      ++stats.accepted;
      beast::error_code peer_ec;
      const auto peer = socket.remote_endpoint(peer_ec);
      std::string ip = peer_ec ? std::string("unknown") : peer.address().to_string();
      socket.set_option(tcp::no_delay(true), peer_ec);
      if (auto refusal = admit(ip)) {
        ++stats.refused_connections;
        auto s = std::make_shared<session>(std::move(socket), *this, std::move(ip), false);
        s->refuse(std::move(*refusal));
      } else {
        std::make_shared<session>(std::move(socket), *this, std::move(ip), true)->start();
      }
    }
    accept();
  });
}

result<std::unique_ptr<server>> server::start(const std::string& address, std::uint16_t port,
                                              server_limits limits, server_hooks hooks) {
  auto s = std::make_unique<state>(std::move(limits), std::move(hooks));
  beast::error_code ec;
  const auto addr = net::ip::make_address(address, ec);
  auto refuse = [&](const std::string& what) -> result<std::unique_ptr<server>> {
    return make_error(errc::io, "cannot listen for HTTP on " + address + ":" + std::to_string(port) + " (" + what
                                  + "; is the address local and the port free?)");
  };
  if (ec)
    return refuse(ec.message());
  const tcp::endpoint endpoint(addr, port);
  for (std::size_t i = 0; i < std::max<std::size_t>(s->limits.io_threads, 1); ++i)
    s->loops.push_back(std::make_unique<net::io_context>(1));
  s->acceptor.emplace(*s->loops.front());
  s->acceptor->open(endpoint.protocol(), ec);
  if (!ec)
    s->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    s->acceptor->bind(endpoint, ec);
  if (!ec)
    s->acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return refuse(ec.message());
  s->port = s->acceptor->local_endpoint().port();
  s->pool = std::make_unique<worker_pool>(s->limits.workers, s->limits.max_queued, s->stats.queued);
  s->accept();
  for (auto& loop : s->loops)
    s->io_threads.emplace_back([l = loop.get()] {
      // Runs until stop(), with or without connections.
      auto work = net::make_work_guard(*l);
      l->run();
    });
  return std::unique_ptr<server>(new server(std::move(s)));
}

server::server(std::unique_ptr<state> s) : state_(std::move(s)) {}

server::~server() {
  stop();
}

std::uint16_t server::port() const noexcept {
  return state_->port;
}

const server_stats& server::stats() const noexcept {
  return state_->stats;
}

const server_limits& server::limits() const noexcept {
  return state_->limits;
}

void server::stop() {
  std::lock_guard lock(state_->stop_mutex);
  if (state_->stopped)
    return;
  state_->stopped = true;
  {
    // Responders answering from now on do nothing.
    std::lock_guard gate(state_->gate->mutex);
    state_->gate->open = false;
  }
  // No new connections from here on.
  net::post(*state_->loops.front(), [st = state_.get()] {
    beast::error_code ignored;
    st->acceptor->close(ignored);
  });
  // The handlers running finish (each bounded by the actor timeout); queued requests are dropped.
  state_->pool->stop();
  for (auto& loop : state_->loops)
    loop->stop();
  for (auto& t : state_->io_threads)
    if (t.joinable())
      t.join();
  // Sessions waiting for a responder close here, while their loop still exists.
  {
    std::unordered_map<const void*, std::shared_ptr<void>> waiting;
    {
      std::lock_guard lock(state_->waiting_mutex);
      waiting.swap(state_->waiting);
    }
  }
  // Destroying the loop destroys every session waiting in it: the connections close here.
  state_->acceptor.reset();
  state_->loops.clear();
}

} // namespace bfd::http
