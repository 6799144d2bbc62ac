// The HTTP bridge's server on its own (actors/http/server.hpp): its bounds, deadlines and the
// bounded handler pool, with hooks of the test's own and raw sockets as clients.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "actors/http/server.hpp"

namespace {

using namespace bfd::http;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// A blocking TCP client socket to 127.0.0.1:port.
struct raw_socket {
  int fd = -1;
  std::string pending;  ///< received bytes after the last response read_response returned
  explicit raw_socket(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~raw_socket() {
    if (fd >= 0)
      ::close(fd);
  }
  void send(const std::string& text) const {
    std::size_t at = 0;
    while (at < text.size()) {
      const auto n = ::send(fd, text.data() + at, text.size() - at, MSG_NOSIGNAL);
      if (n <= 0)
        return;  // the server closed: what it answered is still readable
      at += static_cast<std::size_t>(n);
    }
  }
  /// Everything until the server closes, or until `wait` passes without data.
  std::string read_all(std::chrono::milliseconds wait = 5000ms) const {
    std::string out;
    const auto deadline = steady::now() + wait;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
      if (left <= 0)
        return out;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0)
        return out;
      char buf[4096];
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0)
        return out;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  /// Reads one response whose body is `Content-Length` long (or until close); bytes of the next
  /// response (pipelined answers arriving in one read) are kept for the next call.
  std::string read_response(std::chrono::milliseconds wait = 5000ms) {
    std::string out = std::move(pending);
    pending.clear();
    const auto deadline = steady::now() + wait;
    while (steady::now() < deadline) {
      const auto head_end = out.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const auto cl = out.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) {
          const auto len = std::stoul(out.substr(cl + 16));
          if (out.size() >= head_end + 4 + len) {
            pending = out.substr(head_end + 4 + len);
            out.resize(head_end + 4 + len);
            return out;
          }
        }
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0)
        continue;
      char buf[4096];
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0)
        return out;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
};

int status_of(const std::string& raw) {
  if (raw.size() < 12 || raw.rfind("HTTP/1.1 ", 0) != 0)
    return 0;
  return std::stoi(raw.substr(9, 3));
}

nlohmann::json body_of(const std::string& raw) {
  const auto at = raw.find("\r\n\r\n");
  return at == std::string::npos ? nlohmann::json() : nlohmann::json::parse(raw.substr(at + 4), nullptr, false);
}

/// A server whose handler answers "ok", or waits for release() on the path /block; the path
/// /refuse is refused by the screen hook (on the I/O thread) with 404.
struct test_server {
  std::mutex m;
  std::condition_variable cv;
  bool released = false;
  std::atomic<int> blocked{0};
  std::unique_ptr<server> s;

  explicit test_server(server_limits l) {
    server_hooks h;
    h.screen = [](request& req) -> std::optional<response> {
      if (req.path != "/refuse")
        return std::nullopt;
      response r;
      r.status = 404;
      r.set_content("{}", "application/json");
      return r;
    };
    h.serve = [this](request& req) {
      if (req.path == "/block") {
        ++blocked;
        std::unique_lock lock(m);
        cv.wait(lock, [this] { return released; });
      }
      response r;
      r.set_content("ok " + req.path + " " + req.get_param_value("q") + " " + std::to_string(req.body.size()),
                    "text/plain");
      return r;
    };
    auto started = server::start("127.0.0.1", 0, l, std::move(h));
    REQUIRE(started);
    s = std::move(*started);
  }
  ~test_server() {
    release();
    s->stop();
  }
  void release() {
    {
      std::lock_guard lock(m);
      released = true;
    }
    cv.notify_all();
  }
  std::uint16_t port() const { return s->port(); }
};

std::string get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n";
}

} // namespace

TEST_CASE("the server decodes targets: %-escapes in the path and query, '+' as a space in the query") {
  std::string path;
  std::multimap<std::string, std::string> params;
  REQUIRE(parse_target("/v1/a%20b?x=1+2&y=%41&&z", path, params));
  CHECK(path == "/v1/a b");
  CHECK(params.find("x")->second == "1 2");
  CHECK(params.find("y")->second == "A");
  CHECK(params.find("z")->second.empty());
  params.clear();
  CHECK_FALSE(parse_target("/v1/%zz", path, params));
  CHECK_FALSE(parse_target("/v1?x=%4", path, params));
}

TEST_CASE("the server answers keep-alive requests in turn and HEAD without a body") {
  test_server t(server_limits{});
  raw_socket c(t.port());
  c.send(get("/a?q=1"));
  auto first = c.read_response();
  CHECK(status_of(first) == 200);
  CHECK(first.ends_with("ok /a 1 0"));
  // Two requests in one write (pipelined): both answered, in order.
  c.send("POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc" + get("/c"));
  auto second = c.read_response();
  CHECK(second.ends_with("ok /b  3"));
  auto third = c.read_response();
  CHECK(third.ends_with("ok /c  0"));
  c.send("HEAD /d HTTP/1.1\r\nHost: t\r\n\r\n");
  auto head = c.read_all(500ms);
  CHECK(status_of(head) == 200);
  CHECK(head.find("Content-Length: 8") != std::string::npos);
  CHECK(head.ends_with("\r\n\r\n"));
}

TEST_CASE("a request head over the bound gets 431 header_too_large and the connection closes") {
  server_limits l;
  l.max_header_bytes = 1024;
  test_server t(l);
  raw_socket c(t.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  const auto raw = c.read_all();
  CHECK(status_of(raw) == 431);
  CHECK(body_of(raw)["error"]["code"] == "header_too_large");
  CHECK(body_of(raw)["error"]["reason_code"] == 1010);
}

TEST_CASE("a body over the bound gets 413 from its Content-Length, before it is sent") {
  server_limits l;
  l.max_body_bytes = 1000;
  test_server t(l);
  raw_socket c(t.port());
  c.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n");
  const auto raw = c.read_all();
  CHECK(status_of(raw) == 413);
  CHECK(body_of(raw)["error"]["code"] == "too_large");
  // A chunked body is bounded while it is read.
  raw_socket d(t.port());
  std::string chunked = "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i)
    chunked += "200\r\n" + std::string(0x200, 'b') + "\r\n";
  d.send(chunked);
  CHECK(status_of(d.read_all()) == 413);
}

TEST_CASE("a connection that does not finish its head in time gets 408 and is closed; an idle one is closed") {
  server_limits l;
  l.header_timeout = 300ms;
  l.idle_timeout = 300ms;
  test_server t(l);
  raw_socket slow(t.port());
  const auto start = steady::now();
  slow.send("GET / HTTP/1.1\r\nHost: t\r\n");
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(50ms);
    slow.send("X-Slow: 1\r\n");
  }
  const auto answer = slow.read_all(5000ms);  // the 408, then the close
  CHECK(status_of(answer) == 408);
  CHECK(body_of(answer)["error"]["code"] == "request_timeout");
  CHECK(body_of(answer)["error"]["reason_code"] == 1011);
  CHECK(answer.find("Connection: close") != std::string::npos);
  const auto held = steady::now() - start;
  CHECK(held >= 250ms);
  CHECK(held < 3000ms);
  raw_socket idle(t.port());
  const auto idle_start = steady::now();
  CHECK(idle.read_all(5000ms).empty());  // closed without an answer
  CHECK(steady::now() - idle_start < 3000ms);
  // The deadline closes the socket before the server's handler counts it: wait for the count.
  for (int i = 0; i < 100 && t.s->stats().timed_out.load() < 2; ++i)
    std::this_thread::sleep_for(10ms);
  CHECK(t.s->stats().timed_out.load() == 2);
  CHECK(status_of([&] {
          raw_socket ok(t.port());
          ok.send(get("/"));
          return ok.read_response();
        }()) == 200);
}

TEST_CASE("connections over the per-client and total bounds are answered 503 and closed") {
  server_limits l;
  l.max_connections_per_client = 2;
  test_server t(l);
  raw_socket a(t.port()), b(t.port());
  a.send(get("/"));
  CHECK(status_of(a.read_response()) == 200);  // both counted by now
  raw_socket c(t.port());
  const auto raw = c.read_all();
  CHECK(status_of(raw) == 503);
  CHECK(body_of(raw)["error"]["code"] == "too_many_client_connections");
  CHECK(body_of(raw)["error"]["reason_code"] == 1008);
  CHECK(t.s->stats().refused_connections.load() == 1);
  server_limits total;
  total.max_connections = 1;
  test_server u(total);
  raw_socket d(u.port());
  d.send(get("/"));
  CHECK(status_of(d.read_response()) == 200);
  raw_socket e(u.port());
  CHECK(body_of(e.read_all())["error"]["code"] == "too_many_connections");
}

TEST_CASE("with every handler thread busy, the I/O threads still answer, and a full queue gets 503 busy") {
  server_limits l;
  l.workers = 1;
  l.max_queued = 1;
  test_server t(l);
  raw_socket running(t.port()), waiting(t.port()), third(t.port()), screened(t.port());
  running.send(get("/block"));
  for (int i = 0; i < 200 && t.blocked.load() == 0; ++i)
    std::this_thread::sleep_for(10ms);
  REQUIRE(t.blocked.load() == 1);
  waiting.send(get("/w"));
  for (int i = 0; i < 200 && t.s->stats().queued.load() == 0; ++i)
    std::this_thread::sleep_for(10ms);
  REQUIRE(t.s->stats().queued.load() == 1);
  // The queue is full: refused at once, with Retry-After.
  const auto start = steady::now();
  third.send(get("/x"));
  const auto busy = third.read_response();
  CHECK(steady::now() - start < 1000ms);
  CHECK(status_of(busy) == 503);
  CHECK(busy.find("Retry-After: 1") != std::string::npos);
  CHECK(body_of(busy)["error"]["code"] == "busy");
  CHECK(body_of(busy)["error"]["reason_code"] == 1009);
  CHECK(t.s->stats().busy.load() == 1);
  // What the screen refuses needs no handler thread.
  screened.send(get("/refuse"));
  CHECK(status_of(screened.read_response()) == 404);
  t.release();
  CHECK(running.read_response().ends_with("ok /block  0"));
  CHECK(waiting.read_response().ends_with("ok /w  0"));
}

namespace {

/// A server whose asynchronous hook takes the paths under /async: /async/now is answered from the
/// hook itself, /async/drop drops its responder unanswered, and /async/hold is held until the
/// test answers it from its own thread. Other paths go to the handler pool ("ok").
struct async_server {
  std::mutex m;
  std::vector<responder> held;
  std::unique_ptr<server> s;

  explicit async_server(server_limits l) {
    server_hooks h;
    h.screen = [](request&) -> std::optional<response> { return std::nullopt; };
    h.serve_async = [this](request& req, const responder& r) {
      if (req.path.rfind("/async/", 0) != 0)
        return false;
      if (req.path == "/async/now") {
        response res;
        res.set_content("now", "text/plain");
        r(std::move(res));
      } else if (req.path == "/async/hold") {
        std::lock_guard lock(m);
        held.push_back(r);
      }
      return true;  // /async/drop: its only copy ends with this call
    };
    h.serve = [](request& req) {
      response r;
      r.set_content("ok " + req.path, "text/plain");
      return r;
    };
    auto started = server::start("127.0.0.1", 0, l, std::move(h));
    REQUIRE(started);
    s = std::move(*started);
  }
  std::size_t holding() {
    std::lock_guard lock(m);
    return held.size();
  }
  /// Answers every held request from a thread of the test's own, "later N" each.
  void answer_all() {
    std::vector<responder> out;
    {
      std::lock_guard lock(m);
      out.swap(held);
    }
    std::thread([out] {
      int n = 0;
      for (const auto& r : out) {
        response res;
        res.set_content("later " + std::to_string(n++), "text/plain");
        r(std::move(res));
        r(response{});  // a second answer through a copy is ignored
      }
    }).join();
  }
};

} // namespace

TEST_CASE("requests the asynchronous hook takes are answered later from any thread, bounded like the pool") {
  server_limits l;
  l.max_queued = 2;
  async_server t(l);
  raw_socket a(t.s->port()), b(t.s->port()), c(t.s->port()), d(t.s->port());
  // Answered from the hook itself, then the same connection goes on to the pool.
  a.send(get("/async/now"));
  CHECK(a.read_response().ends_with("now"));
  a.send(get("/plain"));
  CHECK(a.read_response().ends_with("ok /plain"));
  // Two held requests fill the bound: a third is refused busy at once, without being offered.
  b.send(get("/async/hold"));
  c.send(get("/async/hold"));
  for (int i = 0; i < 200 && t.holding() < 2; ++i)
    std::this_thread::sleep_for(10ms);
  REQUIRE(t.holding() == 2);
  CHECK(t.s->stats().in_flight.load() == 2);
  d.send(get("/async/hold"));
  const auto busy = d.read_response();
  CHECK(status_of(busy) == 503);
  CHECK(body_of(busy)["error"]["code"] == "busy");
  CHECK(t.holding() == 2);
  // Answered from another thread: each connection gets its own answer and stays usable.
  t.answer_all();
  const auto rb = b.read_response();
  const auto rc = c.read_response();
  CHECK(status_of(rb) == 200);
  CHECK(status_of(rc) == 200);
  CHECK((rb.ends_with("later 0") || rb.ends_with("later 1")));
  CHECK((rc.ends_with("later 0") || rc.ends_with("later 1")));
  CHECK(rb.substr(rb.size() - 1) != rc.substr(rc.size() - 1));
  CHECK(t.s->stats().in_flight.load() == 0);
  b.send(get("/async/now"));
  CHECK(b.read_response().ends_with("now"));
  // A responder dropped unanswered answers 503 unavailable by itself.
  c.send(get("/async/drop"));
  const auto dropped = c.read_response();
  CHECK(status_of(dropped) == 503);
  CHECK(body_of(dropped)["error"]["code"] == "unavailable");
  CHECK(t.s->stats().in_flight.load() == 0);
}

TEST_CASE("a request held by a responder when the server stops: the connection closes and a late answer does nothing") {
  async_server t(server_limits{});
  raw_socket a(t.s->port());
  a.send(get("/async/hold"));
  for (int i = 0; i < 200 && t.holding() < 1; ++i)
    std::this_thread::sleep_for(10ms);
  REQUIRE(t.holding() == 1);
  t.s->stop();
  CHECK(a.read_all(2000ms).empty());  // closed without an answer
  t.answer_all();                     // after the stop: ignored, no crash
  CHECK(t.holding() == 0);
}

TEST_CASE("a body that does not arrive in time gets 408 and the connection closes") {
  server_limits l;
  l.body_timeout = 300ms;
  test_server t(l);
  raw_socket slow(t.port());
  const auto start = steady::now();
  slow.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789");
  const auto answer = slow.read_all(5000ms);
  CHECK(status_of(answer) == 408);
  CHECK(body_of(answer)["error"]["code"] == "request_timeout");
  CHECK(steady::now() - start >= 250ms);
  CHECK(steady::now() - start < 3000ms);
  CHECK(t.s->stats().timed_out.load() == 1);
}
