// The peer gate in front of CAF's BASP port: frame bounds, violations and back-off, mutual TLS with
// pinned certificates, and real CAF links through a gate client and a gate.
#include <algorithm>
#include <array>
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "chains/core/hex.hpp"
#include "runtime/entropy.hpp"
#include "runtime/key_file.hpp"
#include "runtime/loop_actor.hpp"
#include "runtime/node.hpp"
#include "runtime/peer_gate.hpp"
#include "runtime/remote.hpp"
#include "runtime/transfer.hpp"
#include "tests/actors/support.hpp"

using namespace bfd;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

using test::temp_dir;

/// A CA, two node certificates it signs (a, b), one more it signs that no topology names
/// (rogue), and a self-signed one (stranger); made with the openssl command once per run.
struct test_pki {
  temp_dir dir;
  std::string path(const std::string& f) const { return (dir.path / f).string(); }
  test_pki() {
    const auto d = dir.path.string();
    std::string script = "set -e; cd " + d + "; "
                         "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                         "-subj /CN=test-ca -keyout ca.key -out ca.pem; "
                         "for n in a b rogue; do "
                         "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=$n "
                         "-keyout $n.key -out $n.csr; "
                         "openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out $n.crt; "
                         "done; "
                         "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                         "-subj /CN=a -keyout stranger.key -out stranger.crt";
    auto cmd = "bash -c '" + script + "' > /dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  runtime::gate_tls tls(const std::string& n, const std::string& ca = "ca.pem") const {
    return {path(n + ".crt"), path(n + ".key"), path(ca)};
  }
  std::string fingerprint(const std::string& n) const {
    auto fp = runtime::certificate_fingerprint(path(n + ".crt"));
    REQUIRE(fp);
    return *fp;
  }
};

const test_pki& pki() {
  static test_pki p;
  return p;
}

/// The resident set of this process in bytes (VmRSS of /proc/self/status).
std::uint64_t rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stoull(line.substr(6)) * 1024;
  return 0;
}

/// A connected TCP socket to 127.0.0.1:port, or -1.
int connect_local(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

/// Sends a BASP header (operation 1, client handshake) announcing `payload` bytes, as CAF 0.17 writes it.
void send_header(int fd, std::uint32_t payload, std::uint8_t operation = 1) {
  std::uint8_t h[32] = {};
  h[0] = operation;
  h[4] = payload >> 24;
  h[5] = payload >> 16;
  h[6] = payload >> 8;
  h[7] = payload;
  REQUIRE(::send(fd, h, sizeof h, MSG_NOSIGNAL) == 32);
}

/// Whether the peer closed `fd` (read returns 0 or a reset) within the socket's receive timeout.
bool closed_by_peer(int fd) {
  char buf[256];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET))
      return true;
    if (n < 0)
      return false;  // timeout
  }
}

template <class Pred>
bool within(milliseconds limit, Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return pred();
}

/// A node (own actor system) whose directory CAF publishes on 127.0.0.1 only, behind a gate.
struct gated_node {
  test::node_config cfg;
  caf::actor_system system{cfg};
  std::unique_ptr<runtime::node> n;
  std::uint16_t basp_port = 0;
  std::unique_ptr<runtime::peer_gate> gate;
  std::uint16_t port = 0;  // the gate's public port

  std::unique_ptr<runtime::supervisor> gate_loop;  // set: the gate's I/O loop is its loop actor

  explicit gated_node(runtime::gate_options o, std::vector<runtime::delegate_identity> delegates = {},
                      std::shared_ptr<manual_clock> time = std::make_shared<manual_clock>(0),
                      std::optional<runtime::supervisor_options> supervised_loop = std::nullopt) {
    runtime::node_options no;
    no.genesis = test::shared_network().genesis;
    no.delegates = std::move(delegates);
    no.time = std::move(time);
    no.self_ticking = false;
    auto started = runtime::node::start(system, std::move(no));
    REQUIRE(started);
    n = std::move(*started);
    auto bound = runtime::publish_directory(system, n->directory(), "127.0.0.1", 0);
    REQUIRE(bound);
    basp_port = *bound;
    o.host = "127.0.0.1";
    o.port = 0;
    o.handshake_timeout = milliseconds(1500);
    // As bfd-node runs it: the gate's I/O loop a supervised loop actor "peer-gate".
    auto g = runtime::peer_gate::start(std::move(o), supervised_loop ? runtime::peer_gate::loop_runner::caller
                                                                     : runtime::peer_gate::loop_runner::own_thread);
    REQUIRE(g);
    gate = std::move(*g);
    if (supervised_loop)
      gate_loop = runtime::supervisor::start(system, *supervised_loop, {runtime::gate_loop_child(*gate)});
    auto p = gate->listen(basp_port);
    REQUIRE(p);
    port = *p;
  }

  ~gated_node() {
    gate_loop.reset();
    gate.reset();
    n->stop();
  }

  /// The chain actor of the node whose gate is at `peer_port`, through this node's gate client.
  result<chain_actor> dial(const std::string& name, std::uint16_t peer_port) {
    auto local = gate->dial_port({name, "127.0.0.1", peer_port});
    if (!local)
      return local.error();
    auto dir = runtime::connect_directory(system, "127.0.0.1", *local);
    if (!dir)
      return dir.error();
    return runtime::lookup_chain(system, *dir, mainchain_id);
  }
};

runtime::gate_options tls_options(const std::string& me, const std::string& other) {
  runtime::gate_options o;
  o.node = me;
  o.tls = pki().tls(me);
  o.known = {{other, pki().fingerprint(other)}};
  return o;
}

runtime::gate_options plain_options(const std::string& me) {
  runtime::gate_options o;
  o.node = me;
  return o;
}

} // namespace

TEST_CASE("the frame guard passes BASP frames split anywhere and flags a bad header before its payload") {
  std::vector<std::uint8_t> stream;
  auto frame = [&](std::uint8_t op, std::uint32_t len) {
    std::uint8_t h[32] = {op, 0, 0, 0, static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16),
                          static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
    stream.insert(stream.end(), h, h + 32);
    stream.insert(stream.end(), len, 0xab);
  };
  frame(0, 100);
  frame(2, 0);
  frame(6, 1000);
  for (std::size_t chunk : {1u, 7u, 32u, 33u, 4096u}) {
    runtime::basp_frame_guard g(1000);
    for (std::size_t i = 0; i < stream.size(); i += chunk)
      REQUIRE(g.feed(stream.data() + i, std::min(chunk, stream.size() - i))
              == runtime::basp_frame_guard::verdict::ok);
    CHECK(g.frames() == 3);
  }
  runtime::basp_frame_guard g(1000);
  std::uint8_t big[32] = {1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
  CHECK(g.feed(big, 20) == runtime::basp_frame_guard::verdict::ok);  // the length is not complete yet
  CHECK(g.feed(big + 20, 12) == runtime::basp_frame_guard::verdict::oversized);
  CHECK(g.last_payload() == 0xffffffffu);
  runtime::basp_frame_guard bad(1000);
  std::uint8_t op[32] = {7};
  CHECK(bad.feed(op, 32) == runtime::basp_frame_guard::verdict::bad_operation);
}

TEST_CASE("the frame guard wants a link's first frame to be the handshake of the peer's side") {
  using guard = runtime::basp_frame_guard;
  auto header = [](std::uint8_t op, std::uint8_t version, std::uint8_t dest) {
    std::array<std::uint8_t, 32> h{};
    h[0] = op;
    h[15] = version;  // operation data, low byte
    h[31] = dest;     // destination actor id, low byte
    return h;
  };
  auto first = [&](guard::first_frame side, std::array<std::uint8_t, 32> h) {
    guard g(1000, side);
    return g.feed(h.data(), h.size());
  };
  using ff = guard::first_frame;
  CHECK(first(ff::client_handshake, header(1, 0, 0)) == guard::verdict::ok);
  CHECK(first(ff::client_handshake, header(2, 0, 1)) == guard::verdict::bad_first_frame);  // a message first
  CHECK(first(ff::client_handshake, header(6, 0, 0)) == guard::verdict::bad_first_frame);  // a heartbeat first
  CHECK(first(ff::client_handshake, header(1, 0, 5)) == guard::verdict::bad_first_frame);  // a handshake to an actor
  CHECK(first(ff::client_handshake, header(0, 1, 0)) == guard::verdict::bad_first_frame);
  CHECK(first(ff::server_handshake, header(0, 1, 0)) == guard::verdict::ok);
  CHECK(first(ff::server_handshake, header(0, 0, 0)) == guard::verdict::bad_first_frame);  // no version
  CHECK(first(ff::server_handshake, header(1, 0, 0)) == guard::verdict::bad_first_frame);
  CHECK(first(ff::any, header(2, 0, 1)) == guard::verdict::ok);
  // Only the first frame: after the handshake, messages pass.
  guard g(1000, ff::client_handshake);
  auto hs = header(1, 0, 0);
  auto msg = header(2, 0, 1);
  CHECK(g.feed(hs.data(), hs.size()) == guard::verdict::ok);
  CHECK(g.feed(msg.data(), msg.size()) == guard::verdict::ok);
  CHECK(g.frames() == 2);
}

TEST_CASE("an oversized BASP header closes the link, is counted, allocates nothing, and repeats back off") {
  auto o = plain_options("a");
  o.backoff = seconds(2);
  gated_node a(o);
  const auto before = rss_bytes();
  for (int i = 1; i <= 3; ++i) {
    int fd = connect_local(a.port);
    REQUIRE(fd >= 0);
    send_header(fd, 0xffffffffu);  // 4 GiB - 1
    CHECK(closed_by_peer(fd));
    ::close(fd);
    CHECK(within(seconds(5), [&] { return a.gate->counters().violations == std::uint64_t(i); }));
  }
  const auto after = rss_bytes();
  MESSAGE("RSS before " << before / 1024 << " KiB, after three 4 GiB headers " << after / 1024 << " KiB");
  CHECK(after < before + 64 * 1024 * 1024);
  CHECK(within(seconds(5), [&] { return a.gate->counters().backoffs == 1; }));
  CHECK(a.gate->counters().frames_to_caf == 0);
  // Backed off: the next connection from 127.0.0.1 is closed before anything is read.
  int fd = connect_local(a.port);
  REQUIRE(fd >= 0);
  CHECK(closed_by_peer(fd));
  ::close(fd);
  CHECK(within(seconds(5), [&] { return a.gate->counters().refused_backoff == 1; }));
  // The back-off ends: the address is let through again.
  std::this_thread::sleep_for(seconds(2));
  const auto before_links = a.gate->counters().authenticated;
  fd = connect_local(a.port);
  REQUIRE(fd >= 0);
  CHECK(within(seconds(5), [&] { return a.gate->counters().authenticated == before_links + 1; }));
  CHECK(a.gate->counters().refused_backoff == 1);
  ::close(fd);
}

TEST_CASE("a bound on connections in their handshake refuses the rest, and a handshake times out") {
  auto o = tls_options("a", "b");
  o.max_unauthenticated = 4;
  gated_node a(o);
  std::vector<int> fds;
  for (int i = 0; i < 6; ++i)
    fds.push_back(connect_local(a.port));
  CHECK(within(seconds(5), [&] { return a.gate->counters().refused_busy == 2; }));
  // The four silent ones time out (1.5 s in these tests).
  CHECK(within(seconds(5), [&] { return a.gate->counters().handshake_failures == 4; }));
  for (int fd : fds) {
    CHECK(closed_by_peer(fd));
    ::close(fd);
  }
  // Plain bytes are no TLS handshake.
  int fd = connect_local(a.port);
  send_header(fd, 0xffffffffu);
  CHECK(closed_by_peer(fd));
  ::close(fd);
  CHECK(within(seconds(5), [&] { return a.gate->counters().handshake_failures == 5; }));
  CHECK(a.gate->counters().authenticated == 0);
  CHECK(a.gate->counters().frames_to_caf == 0);
}

TEST_CASE("one address may hold only part of the handshake slots") {
  auto o = tls_options("a", "b");
  o.max_unauthenticated = 10;
  o.max_unauthenticated_per_address = 3;
  gated_node a(o);
  std::vector<int> fds;
  for (int i = 0; i < 5; ++i)
    fds.push_back(connect_local(a.port));
  CHECK(within(seconds(5), [&] { return a.gate->counters().refused_busy == 2; }));
  CHECK(a.gate->counters().unauthenticated_now == 3);
  for (int fd : fds)
    ::close(fd);
  // Closed before their handshake: the slots are free again.
  CHECK(within(seconds(5), [&] { return a.gate->counters().unauthenticated_now == 0; }));
}

TEST_CASE("two nodes link through a gate client and a gate with mutual TLS and pinned certificates") {
  gated_node a(tls_options("a", "b"));
  gated_node b(tls_options("b", "a"));
  // A request across: b's CAF -> b's gate client -> TLS -> a's gate -> a's CAF.
  auto remote = b.dial("a", a.port);
  REQUIRE(remote);
  {
    caf::scoped_actor self{b.system};
    bool answered = false;
    self->request(*remote, seconds(10), info_atom::value)
      .receive([&](const chain_info& i) { answered = i.head_height == 0; },
               [&](const caf::error& e) { FAIL(b.system.render(e)); });
    CHECK(answered);
  }
  // The peer connector over the same path: both chain actors learn each other.
  auto local = b.gate->dial_port({"a", "127.0.0.1", a.port});
  REQUIRE(local);
  runtime::peer_connector conn(b.system, b.n->directory(), {{"a", "127.0.0.1", *local}}, nullptr, 50);
  auto peers = [](gated_node& x) {
    caf::scoped_actor self{x.system};
    std::uint32_t out = 0;
    self->request(x.n->chain(), seconds(10), info_atom::value)
      .receive([&](const chain_info& i) { out = i.peers; }, [](const caf::error&) {});
    return out;
  };
  CHECK(within(seconds(10), [&] { return peers(a) == 1 && peers(b) == 1; }));
  CHECK(a.gate->counters().authenticated >= 1);
  CHECK(b.gate->counters().authenticated >= 1);
  CHECK(a.gate->counters().frames_to_caf > 0);
  CHECK(a.gate->counters().violations == 0);

  // An authenticated peer that sends an oversized header is cut off too: b's gate client
  // authenticates as b, and the raw header goes through it to a's gate.
  const auto rss = rss_bytes();
  int fd = connect_local(*local);
  REQUIRE(fd >= 0);
  send_header(fd, 0xffffffffu);
  CHECK(closed_by_peer(fd));
  ::close(fd);
  CHECK(within(seconds(5), [&] { return a.gate->counters().violations == 1; }));
  CHECK(rss_bytes() < rss + 64 * 1024 * 1024);
}

TEST_CASE("a peer relaying bad signatures is cut off at its tenth offence; stale relays are no offence") {
  gated_node a(plain_options("a"));
  gated_node b(plain_options("b"));
  // a closes an offender's link at its gate, as bfd-node wires it.
  a.n->conduct()->set_disconnector([&a](const caf::node_id& who, const std::string& why) {
    runtime::disconnect_node(a.system, who, [&a, why](std::uint16_t port) { a.gate->close_caf_link(port, why); });
  });
  auto remote = b.dial("a", a.port);
  REQUIRE(remote);
  caf::scoped_actor self{b.system};
  self->monitor(*remote);
  secret_key secret;
  secret.data.fill(7);
  auto keys = key_pair_from_secret(secret);
  REQUIRE(keys);
  auto signed_transfer = [&](std::uint64_t nonce, std::uint64_t expiry) {
    runtime::transfer_request r;
    r.to = address_of(keys->pub);
    r.value = 1;
    r.nonce = nonce;
    r.expiry = expiry;
    auto tx = runtime::make_signed_transfer(*keys, r, hash256{});
    REQUIRE(tx);
    return *tx;
  };
  caf::scoped_actor local{a.system};
  auto status_at_a = [&](const hash256& id) {
    tx_status out;
    local->request(a.n->mempool(), seconds(5), tx_atom::value, id)
      .receive([&](const tx_status& s) { out = s; }, [](const caf::error&) {});
    return out;
  };
  // 30 correctly signed transfers that expired (height 0 is the head): refused, not held against b.
  hash256 last;
  for (std::uint64_t i = 0; i < 30; ++i) {
    auto tx = signed_transfer(i, 0);
    last = signing_hash(tx);
    self->send(*remote, relay_atom::value, tx_envelope{std::move(tx)});
  }
  CHECK(within(seconds(5), [&] { return status_at_a(last).code == static_cast<std::uint16_t>(errc::expired); }));
  CHECK(a.n->conduct()->counts()["bad_signature"] == 0);
  CHECK(a.n->conduct()->counts()["disconnect"] == 0);
  // Ten with a signature that does not match (a real one of another nonce): the tenth cuts b off.
  const auto template_tx = signed_transfer(100, 1000);
  for (std::uint64_t i = 0; i < 10; ++i) {
    auto tx = template_tx;
    tx.nonce = 200 + i;
    self->send(*remote, relay_atom::value, tx_envelope{std::move(tx)});
  }
  bool down = false;
  self->receive([&](const caf::down_msg&) { down = true; }, caf::after(seconds(10)) >> [] {});
  CHECK(down);
  const auto counts = a.n->conduct()->counts();
  CHECK(counts.at("bad_signature") == 10);
  CHECK(counts.at("disconnect") == 1);
  CHECK(within(seconds(5), [&] { return a.gate->counters().misconduct_closes == 1; }));
  a.n->conduct()->set_disconnector(nullptr);
}

TEST_CASE("a late node catches up through its gate client and its peer's gate") {
  const auto& net = test::shared_network();
  auto time = std::make_shared<manual_clock>(0);
  gated_node a(tls_options("a", "b"), net.delegates, time);
  const auto& p = net.genesis.params;
  for (std::uint64_t g = 0; g < 12; ++g)
    for (std::uint64_t step = 0; step < 6; ++step) {
      time->set(test::slot_time(p, g, step));
      test::tick_all(a.system, a.n->delegates());
    }
  auto info = [](gated_node& x) {
    caf::scoped_actor self{x.system};
    chain_info out;
    self->request(x.n->chain(), seconds(10), info_atom::value)
      .receive([&](const chain_info& i) { out = i; }, [](const caf::error&) {});
    return out;
  };
  const auto ia = info(a);
  REQUIRE(ia.final_height > 8);
  gated_node late(tls_options("b", "a"), {}, time);
  auto local = late.gate->dial_port({"a", "127.0.0.1", a.port});
  REQUIRE(local);
  runtime::peer_connector conn(late.system, late.n->directory(), {{"a", "127.0.0.1", *local}}, nullptr, 50);
  CHECK(within(seconds(20), [&] { return info(late).final_height == ia.final_height; }));
  CHECK(info(late).head_hash == ia.head_hash);
  CHECK(a.gate->counters().violations == 0);
  CHECK(late.gate->counters().violations == 0);
  CHECK(late.gate->counters().frames_to_caf > std::uint64_t(ia.final_height));
}

TEST_CASE("a gate refuses certificates the topology does not name, and plain TCP") {
  gated_node a(tls_options("a", "b"));
  // Signed by the CA but not pinned.
  {
    auto o = tls_options("rogue", "a");
    gated_node rogue(o);
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(rogue.dial("a", a.port));
    CHECK(std::chrono::steady_clock::now() - t0 < seconds(10));
  }
  // Right name, wrong issuer.
  {
    auto o = tls_options("b", "a");
    o.tls = pki().tls("stranger");
    gated_node stranger(o);
    CHECK_FALSE(stranger.dial("a", a.port));
  }
  // No TLS at all.
  {
    gated_node plain(plain_options("b"));
    CHECK_FALSE(plain.dial("a", a.port));
  }
  CHECK(within(seconds(5), [&] { return a.gate->counters().handshake_failures >= 3; }));
  CHECK(a.gate->counters().authenticated == 0);
  CHECK(a.gate->counters().frames_to_caf == 0);
}

TEST_CASE("plain links are allowed only when every node of the topology is on loopback") {
  CHECK(runtime::is_loopback_host("127.0.0.1"));
  CHECK(runtime::is_loopback_host("127.3.2.1"));
  CHECK(runtime::is_loopback_host("::1"));
  CHECK(runtime::is_loopback_host("localhost"));
  CHECK_FALSE(runtime::is_loopback_host("10.0.0.1"));
  CHECK_FALSE(runtime::is_loopback_host("node-a.example"));
  temp_dir d;
  const auto delegate_keys = runtime::generate_key_pair();
  REQUIRE(runtime::write_key_file((d.path / "d.json").string(), delegate_keys));
  const auto public_part = "public_key = \"" + to_hex(delegate_keys.pub) + "\"\nhash_chain_tip = \""
                           + to_hex(runtime::delegate_hash_chain(delegate_keys)->tip()) + "\"\n";
  auto topology = [&](const std::string& host) {
    auto path = (d.path / "net.toml").string();
    std::ofstream(path) << "[network]\nname = \"n\"\n[network.genesis]\n"
                           "categories = [{ name = \"gold\", compute_weight = 1 }]\ngenesis_time_ms = 0\n"
                           "slot_ms = 1000\nrounds_per_epoch = 10\nmin_bid = \"100\"\nwork_bits = 0\n"
                           "block_reward = \"1\"\nbase_block_txs = 10\nmiss_limit = 0\n"
                           "[[nodes]]\nname = \"a\"\nhost = \"127.0.0.1\"\nport = 7101\ndata_dir = \"x/a\"\n"
                           "[[nodes]]\nname = \"b\"\nhost = \""
                        << host
                        << "\"\nport = 7102\ndata_dir = \"x/b\"\n"
                           "[[delegates]]\nnode = \"a\"\nkey_file = \"d.json\"\ncategory = \"gold\"\nbid = \"100\"\n"
                        << public_part;
    return path;
  };
  auto ok = runtime::topology_gate_options(topology("localhost"), "a");
  REQUIRE_MESSAGE(ok, ok.error().message());
  CHECK_FALSE(ok->tls);
  CHECK(ok->port == 7101);
  auto refused = runtime::topology_gate_options(topology("10.1.2.3"), "a");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().detail.find("net.toml:18:1: node 'b' has host '10.1.2.3', which is not a loopback address")
        != std::string::npos);
}

TEST_CASE("a gate's supervised I/O loop killed 20 times or failed by a handler is back within 100 ms; links carry on") {
  // bfd-node runs the gate's I/O loop as the loop actor "peer-gate" (runtime/loop_actor.hpp).
  const auto& net = test::shared_network();
  auto time = std::make_shared<manual_clock>(0);
  runtime::supervisor_options so;
  so.counts = std::make_shared<restart_counts>();
  so.window = milliseconds(500);  // scaled down: kills 120 ms apart never put more than 5 in one window
  gated_node a(plain_options("a"), net.delegates, time, so);
  gated_node b(plain_options("b"), {}, time);
  auto local = b.gate->dial_port({"a", "127.0.0.1", a.port});
  REQUIRE(local);
  runtime::peer_connector conn(b.system, b.n->directory(), {{"a", "127.0.0.1", *local}}, nullptr, 50);
  auto info = [](gated_node& x) {
    caf::scoped_actor self{x.system};
    chain_info out;
    self->request(x.n->chain(), seconds(10), info_atom::value)
      .receive([&](const chain_info& i) { out = i; }, [](const caf::error&) {});
    return out;
  };
  REQUIRE(within(seconds(10), [&] { return info(a).peers == 1 && info(b).peers == 1; }));
  const auto& p = net.genesis.params;
  std::uint64_t g = 0;
  // A produces a round between kills; b follows through a's gate all along.
  auto produce_round = [&] {
    for (std::uint64_t step = 0; step < 6; ++step) {
      time->set(test::slot_time(p, g, step));
      test::tick_all(a.system, a.n->delegates());
    }
    ++g;
  };
  auto slowest = std::chrono::microseconds(0);
  std::vector<long> times;
  for (int i = 0; i < 22; ++i) {
    produce_round();
    std::optional<std::chrono::microseconds> took;
    if (i < 20) {
      took = a.gate_loop->kill_and_wait("peer-gate", seconds(2));
    } else {
      // The other failure: a handler throws out of the I/O loop.
      auto old = a.gate_loop->child("peer-gate");
      const auto t0 = std::chrono::steady_clock::now();
      a.gate->inject_failure();
      if (within(seconds(2), [&] { auto now = a.gate_loop->child("peer-gate"); return now && now != old; }))
        took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
    }
    REQUIRE_MESSAGE(took, "failure " << i + 1 << ": the gate's loop was not back within 2 s");
    CHECK_MESSAGE(*took < milliseconds(100), "failure " << i + 1 << ": back after " << took->count() << " us");
    slowest = std::max(slowest, *took);
    times.push_back(took->count());
    std::this_thread::sleep_for(milliseconds(120));
  }
  std::sort(times.begin(), times.end());
  MESSAGE("gate loop back after a failure: p50 " << times[times.size() / 2] << " us, max " << times.back() << " us");
  MESSAGE("gate loop: slowest return " << slowest.count() << " us over 22 failures");
  CHECK(so.counts->of("peer-gate") == 22);
  CHECK_FALSE(a.gate_loop->escalation());
  // A kept finalizing, and b followed it through the gate that was failed 22 times.
  const auto ia = info(a);
  CHECK(ia.final_height > 15);
  CHECK(within(seconds(20), [&] { return info(b).final_height == ia.final_height; }));
  CHECK(info(b).head_hash == ia.head_hash);
  CHECK(a.gate->counters().violations == 0);
  CHECK(a.gate->counters().frames_to_caf > std::uint64_t(ia.final_height));
}

TEST_CASE("a gate's I/O loop failing a sixth time within 10 s escalates") {
  runtime::supervisor_options so;  // the default rule
  so.counts = std::make_shared<restart_counts>();
  gated_node a(plain_options("a"), {}, std::make_shared<manual_clock>(0), so);
  caf::scoped_actor watcher{a.system};
  watcher->monitor(a.gate_loop->handle());
  for (int i = 0; i < 6; ++i) {
    auto old = a.gate_loop->child("peer-gate");
    REQUIRE(old);
    a.gate->inject_failure();
    if (i < 5)
      REQUIRE(within(seconds(2), [&] { auto now = a.gate_loop->child("peer-gate"); return now && now != old; }));
  }
  std::optional<caf::error> reason;
  watcher->receive([&](caf::down_msg& d) { reason = d.reason; }, caf::after(seconds(5)) >> [] {});
  REQUIRE(reason);
  REQUIRE(a.gate_loop->escalation());
  CHECK_MESSAGE(a.gate_loop->escalation()->find("peer-gate failed 6 times within 10000 ms") != std::string::npos,
                *a.gate_loop->escalation());
  CHECK_MESSAGE(a.gate_loop->escalation()->find("a gate handler threw") != std::string::npos, *a.gate_loop->escalation());
}
