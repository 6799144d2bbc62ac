#include "runtime/peer_gate.hpp"

#include <atomic>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include "config/topology.hpp"

namespace bfd::runtime {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using error_code = boost::system::error_code;

// ---- helpers ---------------------------------------------------------------------------------

namespace {

std::string to_hex(const unsigned char* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 15]);
  }
  return out;
}

std::string fingerprint_of(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1)
    return {};
  return to_hex(md, len);
}

std::string subject_of(X509* cert) {
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

std::string endpoint_text(const tcp::socket& s) {
  error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec)
    return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

std::string endpoint_ip(const tcp::socket& s) {
  error_code ec;
  auto ep = s.remote_endpoint(ec);
  return ec ? std::string("?") : ep.address().to_string();
}

constexpr std::size_t pipe_buffer = 64 * 1024;

} // namespace

result<std::string> certificate_fingerprint(const std::string& pem_file) {
  FILE* f = std::fopen(pem_file.c_str(), "rb");
  if (!f)
    return make_error(errc::io, pem_file + ": cannot open");
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!cert)
    return make_error(errc::invalid_argument, pem_file + ": not a PEM certificate");
  auto fp = fingerprint_of(cert);
  X509_free(cert);
  if (fp.empty())
    return make_error(errc::invalid_argument, pem_file + ": cannot compute the certificate's fingerprint");
  return fp;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost")
    return true;
  error_code ec;
  auto a = asio::ip::make_address(host, ec);
  return !ec && a.is_loopback();
}

// ---- the gate --------------------------------------------------------------------------------

struct link;

struct peer_gate::impl {
  gate_options opt;
  std::optional<asio::ssl::context> ssl;
  std::map<std::string, std::string> name_of_fingerprint;  // known peers

  // Counters (written on the I/O thread, read anywhere).
  std::atomic<std::uint64_t> accepted{0}, refused_busy{0}, refused_backoff{0}, handshake_failures{0},
    authenticated{0}, frames_to_caf{0}, violations{0}, backoffs{0}, misconduct_closes{0}, unauthenticated_now{0},
    links_now{0};

  // I/O-thread state.
  bool stopping = false;
  std::uint16_t basp_port = 0;
  std::uint64_t next_link_id = 0;
  std::map<std::uint64_t, std::weak_ptr<link>> links;
  std::map<std::string, std::deque<steady::time_point>> violation_times;  // by back-off key
  std::map<std::string, steady::time_point> backed_off_until;
  std::map<std::string, std::size_t> unauthenticated_by_ip;  // entries removed at zero
  steady::time_point log_window_start = steady::now();
  std::uint32_t logged_in_window = 0;
  std::uint64_t suppressed = 0;
  std::string last_summary;

  std::mutex dial_mtx;
  std::map<std::string, std::uint16_t> dial_ports;

  // Declared last among the members that links use: destroyed first, with the handlers and links it holds.
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<tcp::acceptor> public_acceptor;
  std::vector<std::unique_ptr<tcp::acceptor>> dial_acceptors;
  asio::steady_timer stats_timer{io};
  std::thread thread;
  std::promise<void> finished;

  explicit impl(gate_options o) : opt(std::move(o)) {}

  std::string who() const { return "gate " + opt.node; }

  /// A line about a refused or failed connection; at most 20 lines per 10 s, the rest counted.
  void note_rejection(const std::string& line) { note("rejected " + line); }

  /// A warning that anyone who can connect may cause (a refusal, a plain inbound link's
  /// violation or back-off): at most 20 lines per 10 s, the rest counted, so a flood of bad
  /// connections cannot fill the disk with the log.
  void note(const std::string& line) {
    if (!opt.log)
      return;
    const auto now = steady::now();
    if (now - log_window_start > std::chrono::seconds(10)) {
      if (suppressed > 0)
        opt.log->warn("{}: {} more rejection(s), violation(s) or back-off(s) not logged", who(), suppressed);
      log_window_start = now;
      logged_in_window = 0;
      suppressed = 0;
    }
    if (logged_in_window < 20) {
      ++logged_in_window;
      opt.log->warn("{}: {}", who(), line);
    } else {
      ++suppressed;
    }
  }

  bool is_backed_off(const std::string& key) {
    auto it = backed_off_until.find(key);
    if (it == backed_off_until.end())
      return false;
    if (steady::now() >= it->second) {
      backed_off_until.erase(it);
      return false;
    }
    return true;
  }

  void close_links_of(const std::string& key, const std::string& reason);
  void record_violation(const std::string& key);
  void accept_public();
  void accept_dial(tcp::acceptor* acc, peer_address peer);
  void close_everything();
  void schedule_stats();
  std::string summary() const;
};

/// One connection through the gate: `outer` is the peer (untrusted), `inner` the local CAF.
struct link : std::enable_shared_from_this<link> {
  using tls_stream = asio::ssl::stream<tcp::socket>;

  peer_gate::impl& g;
  const std::uint64_t id;
  const bool inbound;              // accepted on the public port; otherwise dialled for CAF
  std::string peer;                // the peer's node name once known, else its address
  std::string address;             // the peer's ip:port
  std::string key;                 // back-off key: direction and node name, or "from IP" (plain inbound)
  std::optional<peer_address> target;  // outbound: whom we dial
  tcp::socket outer_tcp;           // plain links
  std::unique_ptr<tls_stream> outer_tls;
  tcp::socket inner;
  tcp::resolver resolver;
  asio::steady_timer timer;
  basp_frame_guard guard;
  std::uint64_t frames_counted = 0;
  std::vector<std::uint8_t> up, down;  // outer->inner (checked), inner->outer
  bool closed = false;
  bool counted_unauth = false;
  std::string ip;                  // inbound: the peer's address, for the per-address handshake bound
  bool counted_link = false;

  link(peer_gate::impl& gate, bool in)
    : g(gate), id(gate.next_link_id++), inbound(in), outer_tcp(gate.io), inner(gate.io), resolver(gate.io),
      timer(gate.io),
      guard(gate.opt.max_frame_payload, in ? basp_frame_guard::first_frame::client_handshake
                                            : basp_frame_guard::first_frame::server_handshake) {}

  tcp::socket& outer_socket() { return outer_tls ? outer_tls->next_layer() : outer_tcp; }

  std::string direction() const { return inbound ? "from " : "to "; }

  /// Links of topology nodes are worth a line each; plain inbound connections (anyone on this
  /// machine) only at debug level, so that a local flood cannot fill the log.
  spdlog::level::level_enum link_level() const {
    return inbound && !g.ssl ? spdlog::level::debug : spdlog::level::info;
  }

  void close(const std::string& reason) {
    if (closed)
      return;
    closed = true;
    error_code ignored;
    timer.cancel();
    resolver.cancel();
    outer_socket().close(ignored);
    inner.close(ignored);
    if (counted_unauth)
      uncount_unauthenticated();
    if (counted_link) {
      --g.links_now;
      if (g.opt.log && !g.stopping)
        g.opt.log->log(link_level(), "{}: link {}{} ({}) closed after {} frame(s): {}", g.who(), direction(), peer,
                       address, guard.frames(), reason);
    }
    g.links.erase(id);
  }

  void uncount_unauthenticated() {
    counted_unauth = false;
    --g.unauthenticated_now;
    if (auto it = g.unauthenticated_by_ip.find(ip); it != g.unauthenticated_by_ip.end() && --it->second == 0)
      g.unauthenticated_by_ip.erase(it);
  }

  /// The handshake failed: count and log it (rate-limited), close.
  void fail_handshake(const std::string& reason) {
    if (closed)
      return;
    ++g.handshake_failures;
    g.note_rejection(direction() + address + (inbound ? "" : " (" + peer + ")") + ": " + reason);
    close("handshake failed");
  }

  void arm_handshake_timer() {
    timer.expires_after(g.opt.handshake_timeout);
    timer.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec && !self->closed)
        self->fail_handshake("no completed handshake within "
                             + std::to_string(self->g.opt.handshake_timeout.count()) + " ms");
    });
  }

  // Inbound: a peer connected to the public port.
  void start_inbound(tcp::socket s) {
    address = endpoint_text(s);
    peer = address;
    error_code ignored;
    s.set_option(tcp::no_delay(true), ignored);
    ip = endpoint_ip(s);
    ++g.unauthenticated_now;
    ++g.unauthenticated_by_ip[ip];
    counted_unauth = true;
    arm_handshake_timer();
    if (!g.ssl) {
      outer_tcp = std::move(s);
      key = "from " + endpoint_ip(outer_tcp);
      if (g.is_backed_off(key)) {
        ++g.refused_backoff;
        g.note_rejection("from " + address + ": backed off after repeated violations");
        return close("backed off");
      }
      return authenticated("plain TCP");
    }
    outer_tls = std::make_unique<tls_stream>(std::move(s), *g.ssl);
    outer_tls->async_handshake(asio::ssl::stream_base::server,
                               [self = shared_from_this()](const error_code& ec) { self->on_tls_handshake(ec); });
  }

  // Outbound: CAF connected to our local dial port for `target`.
  void start_outbound(tcp::socket local, peer_address to) {
    inner = std::move(local);
    error_code ignored;
    inner.set_option(tcp::no_delay(true), ignored);
    target = to;
    peer = to.name;
    key = "to " + to.name;
    address = to.host + ":" + std::to_string(to.port);
    if (g.is_backed_off(key)) {
      ++g.refused_backoff;
      g.note_rejection("to " + address + " (" + peer + "): backed off after repeated violations");
      return close("backed off");
    }
    if (g.ssl)
      outer_tls = std::make_unique<tls_stream>(g.io, *g.ssl);
    arm_handshake_timer();
    resolver.async_resolve(to.host, std::to_string(to.port),
                           [self = shared_from_this()](const error_code& ec, tcp::resolver::results_type r) {
                             if (self->closed)
                               return;
                             if (ec)
                               return self->fail_handshake("cannot resolve: " + ec.message());
                             asio::async_connect(self->outer_socket(), r,
                                                 [self](const error_code& ec2, const tcp::endpoint&) {
                                                   self->on_connected(ec2);
                                                 });
                           });
  }

  void on_connected(const error_code& ec) {
    if (closed)
      return;
    if (ec) {
      // The peer is not up (yet): the connector retries; not worth a warning each time.
      if (g.opt.log)
        g.opt.log->debug("{}: cannot connect to {} ({}): {}", g.who(), peer, address, ec.message());
      return close("cannot connect");
    }
    error_code ignored;
    outer_socket().set_option(tcp::no_delay(true), ignored);
    if (!outer_tls)
      return authenticated("plain TCP");
    outer_tls->async_handshake(asio::ssl::stream_base::client,
                               [self = shared_from_this()](const error_code& e) { self->on_tls_handshake(e); });
  }

  void on_tls_handshake(const error_code& ec) {
    if (closed)
      return;
    if (ec)
      return fail_handshake("TLS handshake: " + ec.message());
    X509* cert = SSL_get1_peer_certificate(outer_tls->native_handle());
    if (!cert)
      return fail_handshake("no client certificate");
    const auto fp = fingerprint_of(cert);
    const auto subject = subject_of(cert);
    X509_free(cert);
    auto it = fp.empty() ? g.name_of_fingerprint.end() : g.name_of_fingerprint.find(fp);
    if (it == g.name_of_fingerprint.end())
      return fail_handshake("certificate " + subject + " (sha256 " + fp + ") is not a node of the topology");
    if (target && it->second != target->name)
      return fail_handshake("certificate of node " + it->second + " where " + target->name + " was expected");
    peer = it->second;
    key = direction() + peer;
    if (g.is_backed_off(key)) {
      ++g.refused_backoff;
      g.note_rejection(direction() + address + " (" + peer + "): backed off after repeated violations");
      return close("backed off");
    }
    authenticated("mutual TLS");
  }

  void authenticated(const char* how) {
    if (g.links_now >= g.opt.max_links) {
      ++g.refused_busy;
      g.note_rejection(direction() + address + ": too many links");
      return close("too many links");
    }
    timer.cancel();
    if (counted_unauth)
      uncount_unauthenticated();
    ++g.links_now;
    counted_link = true;
    ++g.authenticated;
    if (g.opt.log)
      g.opt.log->log(link_level(), "{}: link {}{} ({}) authenticated ({})", g.who(), direction(), peer, address, how);
    if (!inbound)
      return start_pumps();
    inner.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), g.basp_port),
                        [self = shared_from_this()](const error_code& ec) {
                          if (self->closed)
                            return;
                          if (ec)
                            return self->close("cannot reach the local CAF listener: " + ec.message());
                          error_code ignored;
                          self->inner.set_option(tcp::no_delay(true), ignored);
                          self->start_pumps();
                        });
  }

  void start_pumps() {
    up.resize(pipe_buffer);
    down.resize(pipe_buffer);
    pump_up();
    pump_down();
  }

  template <class Buffer, class Handler>
  void read_outer(const Buffer& b, Handler&& h) {
    if (outer_tls)
      outer_tls->async_read_some(b, std::forward<Handler>(h));
    else
      outer_tcp.async_read_some(b, std::forward<Handler>(h));
  }

  template <class Buffer, class Handler>
  void write_outer(const Buffer& b, Handler&& h) {
    if (outer_tls)
      asio::async_write(*outer_tls, b, std::forward<Handler>(h));
    else
      asio::async_write(outer_tcp, b, std::forward<Handler>(h));
  }

  /// Peer -> CAF: every frame header is checked before its bytes go on.
  void pump_up() {
    read_outer(asio::buffer(up), [self = shared_from_this()](const error_code& ec, std::size_t n) {
      if (self->closed)
        return;
      if (ec)
        return self->close(ec == asio::error::eof || ec == asio::ssl::error::stream_truncated
                             ? "the peer closed it"
                             : "read: " + ec.message());
      const auto v = self->guard.feed(self->up.data(), n);
      self->g.frames_to_caf += self->guard.frames() - self->frames_counted;
      self->frames_counted = self->guard.frames();
      if (v != basp_frame_guard::verdict::ok)
        return self->violation(v);
      asio::async_write(self->inner, asio::buffer(self->up.data(), n), [self](const error_code& e, std::size_t) {
        if (self->closed)
          return;
        if (e)
          return self->close("write to CAF: " + e.message());
        self->pump_up();
      });
    });
  }

  /// CAF -> peer: our own frames, passed as they are.
  void pump_down() {
    inner.async_read_some(asio::buffer(down), [self = shared_from_this()](const error_code& ec, std::size_t n) {
      if (self->closed)
        return;
      if (ec)
        return self->close(ec == asio::error::eof ? "the local CAF closed it" : "read from CAF: " + ec.message());
      self->write_outer(asio::buffer(self->down.data(), n), [self](const error_code& e, std::size_t) {
        if (self->closed)
          return;
        if (e)
          return self->close("write: " + e.message());
        self->pump_down();
      });
    });
  }

  void violation(basp_frame_guard::verdict v) {
    ++g.violations;
    const auto what =
      v == basp_frame_guard::verdict::oversized
        ? "a BASP frame announcing " + std::to_string(guard.last_payload()) + " payload bytes (bound "
            + std::to_string(g.opt.max_frame_payload) + ")"
      : v == basp_frame_guard::verdict::bad_first_frame
        ? "a first BASP frame with operation " + std::to_string(guard.last_operation()) + " where a "
            + (inbound ? "client" : "server") + " handshake was expected"
        : "a BASP header with unknown operation " + std::to_string(guard.last_operation());
    const auto line = "violation by " + peer + " (" + address + "): " + what + "; closing the link";
    if (link_level() == spdlog::level::debug)
      g.note(line);  // a plain inbound link: anyone on this machine, rate-limited
    else if (g.opt.log)
      g.opt.log->warn("{}: {}", g.who(), line);
    auto self = shared_from_this();
    close("violation: " + what);
    g.record_violation(key);
  }
};

void peer_gate::impl::close_links_of(const std::string& k, const std::string& reason) {
  std::vector<std::shared_ptr<link>> victims;
  for (auto& [id, w] : links)
    if (auto l = w.lock(); l && l->key == k)
      victims.push_back(l);
  for (auto& l : victims)
    l->close(reason);
}

void peer_gate::impl::record_violation(const std::string& k) {
  const auto now = steady::now();
  auto& times = violation_times[k];
  times.push_back(now);
  while (!times.empty() && now - times.front() > opt.violation_window)
    times.pop_front();
  if (times.size() < opt.violation_limit)
    return;
  times.clear();
  backed_off_until[k] = now + opt.backoff;
  ++backoffs;
  const auto line = "links " + k + " backed off for " + std::to_string(opt.backoff.count()) + " s after "
                    + std::to_string(opt.violation_limit) + " violations";
  if (!ssl && k.starts_with("from "))
    note(line);  // an address, not a topology node: rate-limited
  else if (opt.log)
    opt.log->warn("{}: {}", who(), line);
  close_links_of(k, "backed off");
  // Bound the bookkeeping: forget expired back-offs and idle violation records.
  for (auto it = backed_off_until.begin(); it != backed_off_until.end();)
    it = now >= it->second ? backed_off_until.erase(it) : std::next(it);
  if (violation_times.size() > 4096)
    violation_times.clear();
}

void peer_gate::impl::accept_public() {
  public_acceptor->async_accept([this](const error_code& ec, tcp::socket s) {
    if (stopping || ec == asio::error::operation_aborted)
      return;
    if (ec) {
      // Out of descriptors or similar: try again a little later instead of spinning.
      if (opt.log)
        opt.log->warn("{}: accept: {}", who(), ec.message());
      auto t = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(100));
      t->async_wait([this, t](const error_code& e) {
        if (!e && !stopping)
          accept_public();
      });
      return;
    }
    ++accepted;
    const auto by_ip = unauthenticated_by_ip.find(endpoint_ip(s));
    if (unauthenticated_now >= opt.max_unauthenticated) {
      ++refused_busy;
      note_rejection("from " + endpoint_text(s) + ": " + std::to_string(opt.max_unauthenticated)
                     + " connections are already in their handshake");
      error_code ignored;
      s.close(ignored);
    } else if (by_ip != unauthenticated_by_ip.end() && by_ip->second >= opt.max_unauthenticated_per_address) {
      ++refused_busy;
      note_rejection("from " + endpoint_text(s) + ": " + std::to_string(opt.max_unauthenticated_per_address)
                     + " connections from this address are already in their handshake");
      error_code ignored;
      s.close(ignored);
    } else {
      auto l = std::make_shared<link>(*this, true);
      links[l->id] = l;
      l->start_inbound(std::move(s));
    }
    accept_public();
  });
}

void peer_gate::impl::accept_dial(tcp::acceptor* acc, peer_address peer) {
  acc->async_accept([this, acc, peer](const error_code& ec, tcp::socket s) {
    if (stopping || ec == asio::error::operation_aborted)
      return;
    if (!ec) {
      auto l = std::make_shared<link>(*this, false);
      links[l->id] = l;
      l->start_outbound(std::move(s), peer);
      accept_dial(acc, peer);
      return;
    }
    auto t = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(100));
    t->async_wait([this, t, acc, peer](const error_code& e) {
      if (!e && !stopping)
        accept_dial(acc, peer);
    });
  });
}

void peer_gate::impl::close_everything() {
  stopping = true;
  error_code ignored;
  stats_timer.cancel();
  if (public_acceptor)
    public_acceptor->close(ignored);
  for (auto& a : dial_acceptors)
    a->close(ignored);
  std::vector<std::shared_ptr<link>> all;
  for (auto& [id, w] : links)
    if (auto l = w.lock())
      all.push_back(l);
  for (auto& l : all)
    l->close("the node is stopping");
  if (opt.log)
    opt.log->info("{}: stopped; {}", who(), summary());
}

void peer_gate::impl::schedule_stats() {
  stats_timer.expires_after(std::chrono::seconds(10));
  stats_timer.async_wait([this](const error_code& ec) {
    if (ec || stopping)
      return;
    auto s = summary();
    if (opt.log && s != last_summary)
      opt.log->info("{}: {}", who(), s);
    last_summary = s;
    schedule_stats();
  });
}

std::string peer_gate::impl::summary() const {
  return "accepted " + std::to_string(accepted) + ", refused busy " + std::to_string(refused_busy)
         + ", refused backed-off " + std::to_string(refused_backoff) + ", handshake failures "
         + std::to_string(handshake_failures) + ", authenticated " + std::to_string(authenticated)
         + ", frames to CAF " + std::to_string(frames_to_caf) + ", violations " + std::to_string(violations)
         + ", back-offs " + std::to_string(backoffs) + ", misconduct closes " + std::to_string(misconduct_closes)
         + ", open links " + std::to_string(links_now);
}

result<std::unique_ptr<peer_gate>> peer_gate::start(gate_options options, loop_runner runner) {
  auto i = std::make_unique<impl>(std::move(options));
  if (i->opt.tls) {
    i->ssl.emplace(asio::ssl::context::tls);
    auto& ctx = *i->ssl;
    error_code ec;
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_3_VERSION);
    SSL_CTX_set_options(ctx.native_handle(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
    ctx.use_certificate_chain_file(i->opt.tls->certificate, ec);
    if (ec)
      return make_error(errc::invalid_argument, i->opt.tls->certificate + ": " + ec.message());
    ctx.use_private_key_file(i->opt.tls->key, asio::ssl::context::pem, ec);
    if (ec)
      return make_error(errc::invalid_argument, i->opt.tls->key + ": " + ec.message());
    ctx.load_verify_file(i->opt.tls->ca, ec);
    if (ec)
      return make_error(errc::invalid_argument, i->opt.tls->ca + ": " + ec.message());
    ctx.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert, ec);
    if (ec)
      return make_error(errc::invalid_argument, "TLS: " + ec.message());
    for (const auto& p : i->opt.known)
      i->name_of_fingerprint[p.fingerprint] = p.name;
  }
  i->work.emplace(asio::make_work_guard(i->io));
  auto* raw = i.get();
  i->schedule_stats();
  if (runner == loop_runner::caller)
    return std::unique_ptr<peer_gate>(new peer_gate(std::move(i)));
  i->thread = std::thread([raw] {
    for (;;) {
      try {
        raw->io.run();
        break;
      } catch (const std::exception& e) {
        // A handler threw (it should not): keep the gate serving.
        if (raw->opt.log)
          raw->opt.log->error("gate {}: {}", raw->opt.node, e.what());
      }
    }
    raw->finished.set_value();
  });
  return std::unique_ptr<peer_gate>(new peer_gate(std::move(i)));
}

peer_gate::peer_gate(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

peer_gate::~peer_gate() {
  auto* g = impl_.get();
  asio::post(g->io, [g] { g->close_everything(); });
  g->work.reset();
  if (!g->thread.joinable()) {
    // The caller ran the loop (and has stopped running it): close everything here.
    const auto deadline = steady::now() + std::chrono::seconds(3);
    if (g->io.stopped())
      g->io.restart();
    while (!g->io.stopped() && steady::now() < deadline) {
      try {
        g->io.run_for(std::chrono::milliseconds(100));
      } catch (const std::exception& e) {
        if (g->opt.log)
          g->opt.log->error("gate {}: {}", g->opt.node, e.what());
      }
    }
    g->io.stop();
    return;
  }
  // Everything is closed, so run() returns; should a handler linger, stop the loop anyway.
  if (g->finished.get_future().wait_for(std::chrono::seconds(3)) != std::future_status::ready)
    g->io.stop();
  g->thread.join();
}

bool peer_gate::run_for(std::chrono::milliseconds slice) {
  auto* g = impl_.get();
  if (!g->work)
    return false;
  if (g->io.stopped())
    g->io.restart();
  g->io.run_for(slice);
  return true;
}

void peer_gate::inject_failure() {
  auto* g = impl_.get();
  if (g->opt.log)
    g->opt.log->warn("gate {}: fault injection: the next handler throws", g->opt.node);
  asio::post(g->io, [] { throw std::runtime_error("fault injection: a gate handler threw"); });
}

namespace {

/// Waits for `done` (posted to the I/O loop), at most 10 s: the loop may be run by a caller
/// that is restarting, or not at all.
bool wait_posted(std::future<void> done) {
  return done.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
}

} // namespace

result<std::uint16_t> peer_gate::listen(std::uint16_t basp_port) {
  auto* g = impl_.get();
  try {
    tcp::resolver resolver(g->io);
    auto results = resolver.resolve(g->opt.host, std::to_string(g->opt.port));
    auto endpoint = results.begin()->endpoint();
    auto acc = std::make_unique<tcp::acceptor>(g->io);
    acc->open(endpoint.protocol());
    acc->set_option(tcp::acceptor::reuse_address(true));
    acc->bind(endpoint);
    acc->listen(128);
    const auto bound = acc->local_endpoint().port();
    // Shared with the handler: it may run after a timed-out wait returned.
    auto done = std::make_shared<std::promise<void>>();
    auto shared_acc = std::make_shared<std::unique_ptr<tcp::acceptor>>(std::move(acc));
    asio::post(g->io, [g, basp_port, shared_acc, done] {
      g->basp_port = basp_port;
      g->public_acceptor = std::move(*shared_acc);
      g->accept_public();
      done->set_value();
    });
    if (!wait_posted(done->get_future()))
      return make_error(errc::io, "cannot listen on " + g->opt.host + ":" + std::to_string(g->opt.port)
                                    + ": the gate's I/O loop is not running");
    return bound;
  } catch (const boost::system::system_error& e) {
    return make_error(errc::io, "cannot listen on " + g->opt.host + ":" + std::to_string(g->opt.port) + ": "
                                  + e.code().message());
  }
}

result<std::uint16_t> peer_gate::dial_port(const peer_address& peer) {
  auto* g = impl_.get();
  std::lock_guard guard{g->dial_mtx};
  if (auto it = g->dial_ports.find(peer.name); it != g->dial_ports.end())
    return it->second;
  try {
    auto acc = std::make_unique<tcp::acceptor>(g->io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    const auto port = acc->local_endpoint().port();
    auto done = std::make_shared<std::promise<void>>();
    auto shared_acc = std::make_shared<std::unique_ptr<tcp::acceptor>>(std::move(acc));
    asio::post(g->io, [g, peer, shared_acc, done] {
      auto* raw = shared_acc->get();
      g->dial_acceptors.push_back(std::move(*shared_acc));
      if (!g->stopping)
        g->accept_dial(raw, peer);
      done->set_value();
    });
    if (!wait_posted(done->get_future()))
      return make_error(errc::io, "cannot open a local port for peer " + peer.name
                                    + ": the gate's I/O loop is not running");
    g->dial_ports[peer.name] = port;
    return port;
  } catch (const boost::system::system_error& e) {
    return make_error(errc::io, "cannot open a local port for peer " + peer.name + ": " + e.code().message());
  }
}

gate_counters peer_gate::counters() const {
  const auto& g = *impl_;
  return gate_counters{g.accepted,      g.refused_busy, g.refused_backoff, g.handshake_failures,
                       g.authenticated, g.frames_to_caf, g.violations,     g.backoffs,
                       g.misconduct_closes, g.unauthenticated_now, g.links_now};
}

void peer_gate::close_caf_link(std::uint16_t caf_port, std::string reason) {
  auto* g = impl_.get();
  asio::post(g->io, [g, caf_port, reason = std::move(reason)] {
    if (g->stopping)
      return;
    std::vector<std::shared_ptr<link>> victims;
    for (auto& [id, w] : g->links) {
      auto l = w.lock();
      if (!l || l->closed)
        continue;
      error_code ec;
      const auto local = l->inner.local_endpoint(ec);
      if (!ec && local.port() == caf_port)
        victims.push_back(l);
    }
    for (auto& l : victims) {
      ++g->misconduct_closes;
      const auto line = "closing link " + l->direction() + l->peer + " (" + l->address + "): misconduct above BASP: "
                        + reason;
      if (l->link_level() == spdlog::level::debug)
        g->note(line);  // a plain inbound link: anyone on this machine, rate-limited
      else if (g->opt.log)
        g->opt.log->warn("{}: {}", g->who(), line);
      if (g->ssl && !l->key.empty()) {
        g->backed_off_until[l->key] = steady::now() + g->opt.backoff;
        ++g->backoffs;
      }
      l->close("misconduct: " + reason);
    }
  });
}

std::string peer_gate::summary() const {
  return impl_->summary();
}

// ---- from a topology -------------------------------------------------------------------------

result<gate_options> topology_gate_options(const std::string& topology_path, const std::string& node_name) {
  auto t = config::load_topology(topology_path, node_name);
  if (!t)
    return t.error();
  const auto* me = t->find_node(node_name);
  if (!me)
    return make_error(errc::invalid_argument, topology_path + ": no node named '" + node_name + "'");
  gate_options o;
  o.node = me->name;
  o.host = me->host;
  o.port = me->port;
  std::string with, without;
  for (const auto& n : t->nodes) {
    auto& list = n.tls ? with : without;
    list += (list.empty() ? "" : ", ") + n.name;
  }
  if (!with.empty() && !without.empty())
    return make_error(errc::invalid_argument, t->source + ": TLS is set for node(s) " + with + " but not for " + without
                                                + ": links are TLS between all nodes or none; add tls = {cert, key, ca} "
                                                  "to every [[nodes]] entry");
  if (!me->tls) {
    // Plain links authenticate nobody: only a network that never leaves this machine may use them.
    for (const auto& n : t->nodes)
      if (!is_loopback_host(n.host))
        return make_error(errc::invalid_argument,
                          n.where.to_string() + ": node '" + n.name + "' has host '" + n.host
                            + "', which is not a loopback address: links without TLS are unauthenticated, so they are "
                              "allowed only when every node is on 127.0.0.1, ::1 or localhost; add tls = {cert, key, "
                              "ca} to every [[nodes]] entry (docs/topology.md)");
    return o;
  }
  o.tls = gate_tls{me->tls->cert, me->tls->key, me->tls->ca};
  std::map<std::string, std::string> seen;  // fingerprint -> node
  for (const auto& n : t->nodes) {
    auto fp = certificate_fingerprint(n.tls->cert);
    if (!fp)
      return make_error(fp.error().code, n.where.to_string() + ": " + fp.error().detail);
    if (auto it = seen.find(*fp); it != seen.end())
      return make_error(errc::invalid_argument, n.where.to_string() + ": node '" + n.name
                                                  + "' has the same certificate as node '" + it->second
                                                  + "': every node needs its own, peers are told apart by it");
    seen[*fp] = n.name;
    if (n.name != me->name)
      o.known.push_back({n.name, *fp});
  }
  return o;
}

} // namespace bfd::runtime
