// The read cache's actors and backends: a shard actor's bounds, two real nodes over loopback
// whose rings span both nodes' shards (a key cached through node A is a hit through node B), an
// unreachable shard that degrades to a bounded miss, and the Redis backend against a
// redis-server this test starts (skipped, saying so, only when redis-server is not installed).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/cache/read_cache.hpp"
#include "actors/cache/shard_actor.hpp"
#include "chains/cache/invalidation.hpp"
#include "chains/cache/ring.hpp"
#include "runtime/node.hpp"
#include "runtime/remote.hpp"
#include "tests/actors/support.hpp"

using namespace bfd;
using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

namespace {

const std::vector<std::string> svc_tags =
  cache::read_tags(1, cache::read_stage::final, module_id::services);

/// A node of the network with the ring cache, its shard named NAME/0, published on loopback.
struct cache_node {
  test::node_config cfg;
  caf::actor_system system{cfg};
  std::unique_ptr<runtime::node> n;
  std::uint16_t port = 0;
  std::unique_ptr<runtime::peer_connector> connector;

  explicit cache_node(const std::string& name) {
    runtime::node_options o;
    o.genesis = test::shared_network().genesis;
    o.time = std::make_shared<manual_clock>(o.genesis.params.genesis_time_ms);
    o.self_ticking = false;
    runtime::node_cache_options c;
    c.node = name;
    c.ring.refresh = milliseconds(100);
    c.ring.timeout = milliseconds(300);
    o.cache = c;
    auto started = runtime::node::start(system, std::move(o));
    REQUIRE(started);
    n = std::move(*started);
    auto bound = runtime::publish_directory(system, n->directory(), "127.0.0.1", 0);
    REQUIRE(bound);
    port = *bound;
  }
  ~cache_node() {
    connector.reset();
    n->stop();
  }
  read_cache& cache() { return *n->cache(); }
};

/// Looks `key` up and, on a miss, stores `value` as a reader would after reading the chain.
std::optional<std::string> read_through(read_cache& c, const std::string& key, const std::string& value) {
  auto r = c.get(cache_kind::registry, key, svc_tags);
  if (r.value)
    return r.value;
  c.put(key, svc_tags, r.ticket, value);
  return std::nullopt;
}

template <class Pred>
bool wait_until(Pred pred, milliseconds limit = milliseconds(10'000)) {
  const auto deadline = steady::now() + limit;
  while (steady::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return pred();
}

/// A key whose owner on the ring of `shards` is `owner`.
std::string key_owned_by(const std::vector<std::string>& shards, const std::string& owner, const std::string& prefix) {
  cache::hash_ring ring;
  ring.assign(shards);
  for (int i = 0;; ++i) {
    auto k = prefix + std::to_string(i);
    if (*ring.owner(k) == owner)
      return k;
  }
}

} // namespace

TEST_CASE("a shard actor serves what was put until a tag it depends on is invalidated") {
  test::node_config cfg;
  caf::actor_system system{cfg};
  cache::cache_limits limits;
  limits.max_entries = 2;
  auto shard = spawn_cache_shard(system, limits);
  caf::scoped_actor self{system};
  auto get = [&](const std::string& key) {
    cache_lookup out;
    self->request(shard, std::chrono::seconds(2), cache_get_atom::value, key, svc_tags)
      .receive([&](const cache_lookup& l) { out = l; }, [](const caf::error&) { FAIL("no answer"); });
    return out;
  };
  auto miss = get("k1");
  REQUIRE_FALSE(miss.hit);
  REQUIRE(miss.gens.size() == svc_tags.size());
  self->send(shard, cache_put_atom::value, std::string("k1"), svc_tags, miss.gens, std::string("v1"));
  auto hit = get("k1");
  CHECK(hit.hit);
  CHECK(hit.value == "v1");
  self->send(shard, cache_inval_atom::value, std::vector<std::string>{svc_tags[1]});
  CHECK_FALSE(get("k1").hit);
  // A put carrying the generations from before the invalidation is refused.
  self->send(shard, cache_put_atom::value, std::string("k1"), svc_tags, miss.gens, std::string("old"));
  CHECK_FALSE(get("k1").hit);
  // At most two entries.
  for (const char* k : {"a", "b", "c"}) {
    auto m = get(k);
    self->send(shard, cache_put_atom::value, std::string(k), svc_tags, m.gens, std::string(k));
  }
  self->request(shard, std::chrono::seconds(2), cache_stats_atom::value)
    .receive([&](const cache_shard_stats& s) { CHECK(s.entries == 2); }, [](const caf::error&) { FAIL("no stats"); });
  caf::anon_send_exit(shard, caf::exit_reason::user_shutdown);
}

TEST_CASE("two nodes over loopback share one ring: a key cached through A is a hit through B") {
  cache_node a("alpha"), b("beta");
  a.connector = std::make_unique<runtime::peer_connector>(
    a.system, a.n->directory(), std::vector<runtime::peer_address>{{"beta", "127.0.0.1", b.port}}, nullptr, 100);
  REQUIRE(wait_until([&] { return a.cache().snapshot().shards == 2 && b.cache().snapshot().shards == 2; }));
  const std::vector<std::string> shards{"alpha/0", "beta/0"};

  for (const auto& owner : shards) {
    CAPTURE(owner);
    const auto key = key_owned_by(shards, owner, "reg|1|show|");
    CHECK_FALSE(read_through(a.cache(), key, "value of " + key));
    // The put is asynchronous: B sees it once the owning shard has it.
    std::optional<std::string> seen;
    REQUIRE(wait_until([&] { return (seen = b.cache().get(cache_kind::registry, key, svc_tags).value).has_value(); }));
    CHECK(*seen == "value of " + key);
    // A commit on either node invalidates it for both.
    b.cache().invalidate({svc_tags[1]});
    REQUIRE(wait_until([&] { return !a.cache().get(cache_kind::registry, key, svc_tags).value; }));
  }
  const auto s = b.cache().snapshot();
  CHECK(s.backend == "ring");
  CHECK(s.hits[static_cast<std::size_t>(cache_kind::registry)] >= 2);
}

TEST_CASE("a shard that stops answering degrades to a bounded miss, never an error or a hang") {
  cache_node a("alpha"), b("beta");
  a.connector = std::make_unique<runtime::peer_connector>(
    a.system, a.n->directory(), std::vector<runtime::peer_address>{{"beta", "127.0.0.1", b.port}}, nullptr, 100);
  REQUIRE(wait_until([&] { return a.cache().snapshot().shards == 2; }));
  const std::vector<std::string> shards{"alpha/0", "beta/0"};
  const auto key = key_owned_by(shards, "beta/0", "reg|1|show|");
  // Beta's shard stops (its node keeps running, so the link stays up and its directory still
  // lists it for a while): reads of its keys through A are misses within the timeout.
  caf::anon_send_exit(b.n->cache_shards().front().actor, caf::exit_reason::kill);
  const auto start = steady::now();
  auto r = a.cache().get(cache_kind::registry, key, svc_tags);
  const auto took = std::chrono::duration_cast<milliseconds>(steady::now() - start);
  CHECK_FALSE(r.value);
  CHECK_FALSE(r.ticket.usable);
  CHECK(took < milliseconds(1'000));
  CHECK(a.cache().snapshot().backend_errors["ring"] >= 1);
  // Keys owned by A's own shard still work.
  const auto mine = key_owned_by(shards, "alpha/0", "reg|1|show|");
  read_through(a.cache(), mine, "v");
  CHECK(wait_until([&] { return a.cache().get(cache_kind::registry, mine, svc_tags).value.has_value(); }));
}

namespace {

/// A redis-server of its own on a random port in a temp dir, stopped at the end.
struct redis_server {
  test::temp_dir dir;
  std::uint16_t port = 0;
  pid_t pid = -1;

  static bool installed() { return std::system("command -v redis-server > /dev/null 2>&1") == 0; }

  redis_server() {
    std::random_device rd;
    port = static_cast<std::uint16_t>(20'000 + rd() % 30'000);
    start();
  }
  void start() {
    pid = fork();
    if (pid == 0) {
      const auto p = std::to_string(port);
      const auto d = dir.path.string();
      ::execlp("redis-server", "redis-server", "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", d.c_str(), "--logfile", (d + "/redis.log").c_str(),
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  void stop() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
      pid = -1;
    }
  }
  ~redis_server() { stop(); }
};

} // namespace

TEST_CASE("the Redis backend caches, invalidates, and degrades to misses while the server is down") {
  if (!redis_server::installed()) {
    MESSAGE("SKIPPED: redis-server is not installed (tools/setup/install-deps.sh installs it)");
    return;
  }
  redis_server server;
  redis_cache_options o;
  o.port = server.port;
  o.ns = "bfd:test:";
  o.backoff = milliseconds(200);
  auto c = make_redis_cache(o);
  // The server takes a moment to listen.
  REQUIRE(wait_until([&] { return c->get(cache_kind::registry, "probe", svc_tags).ticket.usable; }));

  CHECK_FALSE(read_through(*c, "reg|1|show|1", "v1"));
  auto hit = c->get(cache_kind::registry, "reg|1|show|1", svc_tags);
  REQUIRE(hit.value);
  CHECK(*hit.value == "v1");

  // A read that missed before an invalidation cannot store what it read.
  auto before = c->get(cache_kind::registry, "reg|1|show|2", svc_tags);
  c->invalidate({svc_tags[1]});
  c->put("reg|1|show|2", svc_tags, before.ticket, "read before the change");
  CHECK_FALSE(c->get(cache_kind::registry, "reg|1|show|2", svc_tags).value);
  CHECK_FALSE(c->get(cache_kind::registry, "reg|1|show|1", svc_tags).value);

  // Entries carry a TTL (the safety net).
  read_through(*c, "reg|1|show|3", "v3");
  CHECK(c->get(cache_kind::registry, "reg|1|show|3", svc_tags).value);
  {
    auto out = std::system(("redis-cli -p " + std::to_string(server.port) + " TTL 'bfd:test:e:reg|1|show|3' > "
                            + (server.dir.path / "ttl").string() + " 2>&1").c_str());
    if (out == 0) {
      std::ifstream in(server.dir.path / "ttl");
      long ttl = -3;
      in >> ttl;
      CHECK(ttl > 0);
      CHECK(ttl <= 60);
    }
  }

  // An outage: misses, each bounded in time, counted.
  server.stop();
  const auto start = steady::now();
  for (int i = 0; i < 5; ++i)
    CHECK_FALSE(c->get(cache_kind::registry, "reg|1|show|3", svc_tags).value);
  CHECK(std::chrono::duration_cast<milliseconds>(steady::now() - start) < milliseconds(2'000));
  CHECK(c->snapshot().backend_errors["redis"] >= 1);
  c->invalidate({svc_tags[0]});  // lost: the server is down

  // Back up (empty, as it keeps nothing): the cache works again.
  server.start();
  REQUIRE(wait_until([&] { return c->get(cache_kind::registry, "probe", svc_tags).ticket.usable; }));
  CHECK_FALSE(read_through(*c, "reg|1|show|4", "v4"));
  CHECK(c->get(cache_kind::registry, "reg|1|show|4", svc_tags).value);
}
