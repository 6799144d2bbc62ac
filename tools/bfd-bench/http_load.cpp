// bfd-bench's HTTP load for one transaction per request: `--concurrency` keep-alive connections
// driven by one thread with epoll(7), so 256 connections cost the client one thread, not 256 (on
// two cores, 256 client threads would measure the client's scheduling rather than the node), and
// each ready connection costs the same however many are open. A request is sent as soon as its
// connection is free; only a send the socket cannot take at once waits for EPOLLOUT.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/bfd-bench/e2e_internal.hpp"

namespace bfd::bench::detail {

namespace {

constexpr std::size_t no_tx = static_cast<std::size_t>(-1);
constexpr int max_attempts = 3;

/// One keep-alive connection and the request it carries.
struct connection {
  int fd = -1;
  std::string out;
  std::size_t out_at = 0;
  std::string in;
  std::size_t tx = no_tx;
  int attempts = 0;
};

int open_socket(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

/// The status and body of a complete response at the start of `in`, and its length; nothing yet
/// while incomplete.
struct parsed {
  int status = 0;
  std::string_view body;
  std::size_t length = 0;
  bool close = false;
};

std::optional<parsed> parse_response(const std::string& in) {
  const auto head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos)
    return std::nullopt;
  parsed p;
  if (in.size() < 12)
    return std::nullopt;
  std::from_chars(in.data() + 9, in.data() + 12, p.status);
  std::size_t length = 0;
  for (std::size_t at = in.find("\r\n") + 2; at < head_end;) {
    const auto end = in.find("\r\n", at);
    const std::string_view line(in.data() + at, end - at);
    at = end + 2;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
      continue;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    auto value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    if (name == "content-length")
      std::from_chars(value.data(), value.data() + value.size(), length);
    else if (name == "connection" && (value == "close" || value == "Close"))
      p.close = true;
  }
  if (in.size() < head_end + 4 + length)
    return std::nullopt;
  p.body = std::string_view(in.data() + head_end + 4, length);
  p.length = head_end + 4 + length;
  return p;
}

std::string reason_of(int status, std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object() && j["error"].contains("code")
      && j["error"]["code"].is_string())
    return j["error"]["code"].get<std::string>();
  return "http_" + std::to_string(status);
}

} // namespace

void submit_singles_polled(std::uint16_t port, const workload& w, const e2e_bench_options& o, double rate,
                           submissions& out, const std::atomic<bool>* stop) {
  auto stopped = [stop] { return stop && stop->load(); };
  const std::size_t n = w.txs.size();
  std::vector<connection> conns(std::max<std::size_t>(o.concurrency, 1));
  std::map<std::string, std::size_t> refused;
  std::size_t next = 0;
  std::size_t in_flight = 0;
  std::int64_t last = 0;
  out.first_ns = now_ns();
  const auto start_ns = out.first_ns;
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) {
    out.refused["http_transport"] += n;
    return;
  }
  std::vector<std::size_t> idle;  // connections without a request, taken from the back
  for (std::size_t k = conns.size(); k-- > 0;)
    idle.push_back(k);

  auto watch = [&](std::size_t k, bool writing) {
    epoll_event ev{};
    ev.events = EPOLLIN | (writing ? EPOLLOUT : 0u);
    ev.data.u64 = k;
    if (::epoll_ctl(ep, EPOLL_CTL_MOD, conns[k].fd, &ev) != 0)
      ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[k].fd, &ev);
  };
  auto close_conn = [](connection& c) {
    if (c.fd >= 0)
      ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
  };
  // Sends what the connection has to send now; false on a transport failure.
  auto flush = [&](std::size_t k) {
    auto& c = conns[k];
    while (c.out_at < c.out.size()) {
      const auto sent = ::send(c.fd, c.out.data() + c.out_at, c.out.size() - c.out_at, MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          watch(k, true);
          return true;
        }
        return false;
      }
      c.out_at += static_cast<std::size_t>(sent);
    }
    return true;
  };
  auto begin = [&](std::size_t k) {
    auto& c = conns[k];
    const auto& body = w.http_bodies[c.tx];
    c.out = "POST /v1/txs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
            + std::to_string(body.size()) + "\r\n\r\n" + body;
    c.out_at = 0;
    c.in.clear();
    return flush(k);
  };
  auto done = [&](std::size_t k) {
    conns[k].tx = no_tx;
    --in_flight;
    idle.push_back(k);
  };
  // A connection the node closed under a request: resend it on a new one, as a client would (a
  // repeated transaction is answered "already pending": idempotent).
  auto transport_failure = [&](std::size_t k) {
    auto& c = conns[k];
    close_conn(c);
    if (c.tx == no_tx)
      return;
    while (++c.attempts < max_attempts) {
      out.retries.fetch_add(1, std::memory_order_relaxed);
      c.fd = open_socket(port);
      if (c.fd < 0)
        break;
      watch(k, false);
      if (begin(k))
        return;
      close_conn(c);
    }
    ++refused["http_transport"];
    last = now_ns();
    done(k);
  };

  std::vector<epoll_event> events(conns.size());
  while (!stopped() && (next < n || in_flight > 0)) {
    // Idle connections take the next transaction that is due.
    const auto now = now_ns();
    int wait_ms = 100;
    while (!idle.empty() && next < n) {
      if (rate > 0) {
        const auto due = start_ns + static_cast<std::int64_t>(static_cast<double>(next) * 1e9 / rate);
        if (due > now) {
          wait_ms = std::min<int>(wait_ms, static_cast<int>((due - now) / 1'000'000) + 1);
          break;
        }
      }
      const auto k = idle.back();
      idle.pop_back();
      auto& c = conns[k];
      if (c.fd < 0) {
        if ((c.fd = open_socket(port)) < 0) {
          ++refused["http_transport"];
          ++next;
          idle.push_back(k);
          continue;
        }
        watch(k, false);
      }
      c.tx = next++;
      c.attempts = 0;
      out.submit_ns[c.tx] = now;
      out.sent.fetch_add(1, std::memory_order_relaxed);
      ++in_flight;
      if (!begin(k))
        transport_failure(k);
    }
    const int ready = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()),
                                   in_flight > 0 ? std::min(wait_ms, 10) : wait_ms);
    for (int e = 0; e < ready; ++e) {
      const auto k = static_cast<std::size_t>(events[e].data.u64);
      auto& c = conns[k];
      if (c.fd < 0 || c.tx == no_tx)
        continue;
      if (events[e].events & EPOLLOUT) {
        if (!flush(k)) {
          transport_failure(k);
          continue;
        }
        if (c.out_at >= c.out.size())
          watch(k, false);
      }
      if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        char buf[16 * 1024];
        const auto got = ::recv(c.fd, buf, sizeof buf, 0);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
          transport_failure(k);
          continue;
        }
        if (got > 0)
          c.in.append(buf, static_cast<std::size_t>(got));
        auto p = parse_response(c.in);
        if (!p)
          continue;
        const auto i = c.tx;
        last = now_ns();
        out.answer_ns[i] = last;
        if (p->status == 202) {
          out.accepted[i] = 1;
          out.admitted.fetch_add(1, std::memory_order_relaxed);
        } else {
          ++refused[reason_of(p->status, p->body)];
        }
        if (p->close)
          close_conn(c);
        c.in.erase(0, p->length);
        done(k);
      }
    }
  }
  for (auto& c : conns)
    close_conn(c);
  ::close(ep);
  for (const auto& [reason, count] : refused)
    out.refused[reason] += count;
  out.last_answer_ns = std::max(out.last_answer_ns, last);
}

} // namespace bfd::bench::detail
