// The topology loader: the shipped examples load as documented, and every bad file gets an error
// naming file:line:column and what was expected.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

#include "chains/consensus/chain_state.hpp"
#include "chains/core/hex.hpp"
#include "chains/sidechain/registry_module.hpp"
#include "chains/crypto/keys.hpp"
#include "config/topology.hpp"

using namespace bfd;
using namespace bfd::config;

namespace {

namespace fs = std::filesystem;

const std::string config_dir = BFD_CONFIG_DIR;

key_pair keys_of(byte fill) {
  secret_key s;
  s.data.fill(fill);
  return *key_pair_from_secret(s);
}

/// Lines 1-14 of every test document: a valid [network] with inline genesis parameters.
const std::string head = R"([network]
name = "t"

[network.genesis]
categories = [{ name = "gold", compute_weight = 3 }, { name = "bronze", compute_weight = 1 }]
genesis_time_ms = 1700000000000
slot_ms = 1000
rounds_per_epoch = 10
min_bid = "100"
work_bits = 0
block_reward = "2"
base_block_txs = 1000
miss_limit = 5

)";

/// A valid node at lines 15-19.
const std::string node_a = R"([[nodes]]
name = "a"
host = "127.0.0.1"
port = 7101
data_dir = "data/a"
)";

/// The public keys of the secrets 0x01..01 (docs/formats.md) and 0x02..02.
const std::string pub1 = "1b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f";
const std::string pub2 = "4d4b6cd1361032ca9bd2aeb9d900aa4d45d9ead80ac9423374c451a7254d0766";

/// The public lines of a delegate entry (2 lines): its key and a hash-chain tip of `tip_fill`.
std::string commitment(const std::string& pub, char tip_fill) {
  return "public_key = \"" + pub + "\"\nhash_chain_tip = \"" + std::string(64, tip_fill) + "\"\n";
}
const std::string commit1 = commitment(pub1, '1');
const std::string commit2 = commitment(pub2, '2');

/// A valid delegate of node a (7 lines: key_file at line 22 and bid at line 24 after head and node_a).
const std::string delegate_a = R"([[delegates]]
node = "a"
key_file = "keys/d1.json"
category = "gold"
bid = "100"
)" + commit1;

/// The error text of parsing `text` as "t.toml"; fails the test if it parses.
std::string error_of(const std::string& text) {
  auto t = parse_topology(text, "t.toml");
  REQUIRE_FALSE(t.has_value());
  CHECK(t.error().code == errc::invalid_argument);
  return t.error().detail;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A scratch directory removed at the end of the test.
struct temp_dir {
  fs::path path;
  temp_dir() {
    path = fs::temp_directory_path() / ("bfd-topology-test-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    auto p = path / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
};

std::vector<address> addresses_for(const topology& t) {
  std::vector<address> out;
  for (std::size_t i = 0; i < t.accounts.size(); ++i)
    out.push_back(t.accounts[i].address ? *t.accounts[i].address
                                        : address_of(keys_of(static_cast<byte>(0x70 + i)).pub));
  return out;
}

} // namespace

// The shipped examples --------------------------------------------------------------------------

TEST_CASE("config/local.toml runs nine delegates of three categories and HTTP on one node") {
  auto t = load_topology(config_dir + "/local.toml");
  REQUIRE_MESSAGE(t.has_value(), t.error().message());
  CHECK(t->network.name == "local");
  CHECK(t->network.chain == mainchain_id);
  REQUIRE(t->network.genesis);
  const auto& g = *t->network.genesis;
  CHECK(g.auto_genesis_time);
  REQUIRE(g.params.categories.size() == 3);
  CHECK(g.params.categories[0] == category_params{"gold", 3, 0, 0});
  CHECK(g.params.categories[1] == category_params{"silver", 2, 0, 0});
  CHECK(g.params.categories[2] == category_params{"bronze", 1, 0, 0});
  CHECK(g.params.slot_ms == 1000);
  CHECK(g.params.rounds_per_epoch == 10);
  CHECK(g.params.min_bid == 100 * units_per_bfdt);
  CHECK(g.params.work_bits == 8);
  CHECK(g.params.block_reward == 2 * units_per_bfdt);
  CHECK(g.params.base_block_txs == 2000);
  CHECK(g.params.miss_limit == 10);

  REQUIRE(t->nodes.size() == 1);
  CHECK(t->nodes[0].name == "local");
  CHECK(t->nodes[0].host == "127.0.0.1");
  CHECK(t->nodes[0].port == 7100);
  CHECK(t->nodes[0].data_dir == "bfd-data/local");
  CHECK_FALSE(t->nodes[0].tls);
  CHECK(&t->genesis_node() == &t->nodes[0]);

  REQUIRE(t->delegates.size() == 9);
  CHECK(t->delegates_on("local").size() == 9);
  for (std::size_t i = 0; i < 9; ++i) {
    const auto& d = t->delegates[i];
    CHECK(d.node == "local");
    CHECK(d.category_index == i / 3);
    CHECK(d.bid == (1200 - 100 * (i % 3)) * units_per_bfdt);
    CHECK(d.key_file == config_dir + "/keys/local/delegate-0" + std::to_string(i + 1) + ".json");
  }
  CHECK(t->delegates[0].category == "gold");
  CHECK(t->delegates[8].category == "bronze");
  // Each entry's public_key is the one of its (published, development) key file.
  for (const auto& d : t->delegates)
    CHECK(read_text(d.key_file).find("\"public_key\": \"" + to_hex(d.key) + "\"") != std::string::npos);

  REQUIRE(t->http.size() == 1);
  CHECK(t->http_on("local") == &t->http[0]);
  CHECK(t->http[0].address == "127.0.0.1");
  CHECK(t->http[0].port == 8080);

  REQUIRE(t->accounts.size() == 3);
  CHECK(t->accounts[0].key_file == config_dir + "/keys/local/account-01.json");
  CHECK(t->accounts[0].value == 1'000'000 * units_per_bfdt);
  REQUIRE(t->accounts[2].address);
  // The account given by address is the one whose key ships next to the others.
  const auto account3 = read_text(config_dir + "/keys/local/account-03.json");
  CHECK(account3.find(format_address(*t->accounts[2].address)) != std::string::npos);
}

TEST_CASE("config/three-nodes.toml keeps more than 2/3 of the cluster's power with node c down") {
  auto t = load_topology(config_dir + "/three-nodes.toml");
  REQUIRE_MESSAGE(t.has_value(), t.error().message());
  REQUIRE(t->nodes.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(t->nodes[i].host == "127.0.0.1");
    CHECK(t->nodes[i].port == 7101 + i);
    REQUIRE(t->http_on(t->nodes[i].name));
    CHECK(t->http_on(t->nodes[i].name)->port == 8081 + i);
  }
  CHECK(t->genesis_node().name == "a");
  CHECK(t->delegates_on("a").size() == 2);
  CHECK(t->delegates_on("b").size() == 2);
  CHECK(t->delegates_on("c").size() == 2);
  for (const auto& d : t->delegates)
    CHECK(read_text(d.key_file).find("\"public_key\": \"" + to_hex(d.key) + "\"") != std::string::npos);
  // The accounts are given by address (no node reads their key files); these are the shipped keys'.
  REQUIRE(t->accounts.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    REQUIRE(t->accounts[i].address);
    CHECK(read_text(config_dir + "/keys/three-nodes/account-0" + std::to_string(i + 1) + ".json")
            .find(format_address(*t->accounts[i].address))
          != std::string::npos);
  }

  // The real genesis: which VMs form the cluster, and how much of its power each node holds.
  auto g = make_genesis_config(*t, addresses_for(*t), 1'700'000'000'000);
  REQUIRE_MESSAGE(g.has_value(), g.error().message());
  auto genesis = chain_state::genesis(*g);
  REQUIRE_MESSAGE(genesis.has_value(), genesis.error().message());
  const auto& cluster = genesis->first.consensus().active();
  CHECK(cluster.members.size() == 6);  // everyone: see the comment in three-nodes.toml
  std::map<std::string, amount> power;
  for (const auto& m : cluster.members)
    for (std::size_t i = 0; i < t->delegates.size(); ++i)
      if (t->delegates[i].key == m.key)
        power[t->delegates[i].node] += m.power;
  CHECK(power["a"] == 3500 * units_per_bfdt);
  CHECK(power["b"] == 3500 * units_per_bfdt);
  CHECK(power["c"] == 2000 * units_per_bfdt);
  CHECK(exceeds_two_thirds(power["a"] + power["b"], cluster.power));
  CHECK_FALSE(exceeds_two_thirds(power["a"] + power["c"], cluster.power));
  CHECK_FALSE(exceeds_two_thirds(power["b"] + power["c"], cluster.power));
}

TEST_CASE("input paths are relative to the topology's directory, the data directory is not") {
  auto t = parse_topology(head + node_a + delegate_a, "some/dir/t.toml");
  REQUIRE_MESSAGE(t.has_value(), t.error().message());
  CHECK(t->base_dir == "some/dir");
  CHECK(t->delegates[0].key_file == "some/dir/keys/d1.json");
  CHECK(t->nodes[0].data_dir == "data/a");
  auto bare = parse_topology(head + node_a + delegate_a, "t.toml");
  REQUIRE(bare.has_value());
  CHECK(bare->delegates[0].key_file == "keys/d1.json");
}

TEST_CASE("the genesis is built from the topology, whatever the order of its entries") {
  const std::string accounts = R"([[accounts]]
address = "bfd00112233445566778899aabbccddeeff00112233"
amount = "5"
)";
  const std::string two = head + node_a + delegate_a + R"([[delegates]]
node = "a"
key_file = "keys/d2.json"
category = "bronze"
bid = "150.5"
)" + commit2 + accounts;
  auto t = parse_topology(two, "t.toml");
  REQUIRE_MESSAGE(t.has_value(), t.error().message());
  auto g = make_genesis_config(*t, addresses_for(*t), 42);
  REQUIRE_MESSAGE(g.has_value(), g.error().message());
  CHECK(g->params.genesis_time_ms == 1'700'000'000'000);  // a fixed time: the argument is unused
  REQUIRE(g->vms.size() == 2);
  // The VMs are the topology's public keys and hash-chain tips, sorted by key.
  CHECK(g->vms[0].key == keys_of(0x01).pub);
  CHECK(g->vms[0].hash_chain_tip == *fixed_from_hex<32>(std::string(64, '1')));
  CHECK(g->vms[0].category == 0);
  CHECK(g->vms[1].key == keys_of(0x02).pub);
  CHECK(g->vms[1].hash_chain_tip == *fixed_from_hex<32>(std::string(64, '2')));
  CHECK(g->vms[1].bid == 150 * units_per_bfdt + units_per_bfdt / 2);
  REQUIRE(g->allocations.size() == 1);
  CHECK(g->allocations[0].value == 5 * units_per_bfdt);
  CHECK(format_address(g->allocations[0].to) == "bfd00112233445566778899aabbccddeeff00112233");

  // The same delegates listed the other way round give the same genesis.
  auto reversed = parse_topology(head + node_a + R"([[delegates]]
node = "a"
key_file = "keys/d2.json"
category = "bronze"
bid = "150.5"
)" + commit2 + delegate_a + accounts, "t.toml");
  REQUIRE(reversed.has_value());
  auto rg = make_genesis_config(*reversed, addresses_for(*reversed), 42);
  REQUIRE(rg.has_value());
  REQUIRE(rg->vms.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(rg->vms[i].key == g->vms[i].key);
    CHECK(rg->vms[i].category == g->vms[i].category);
    CHECK(rg->vms[i].bid == g->vms[i].bid);
    CHECK(rg->vms[i].hash_chain_tip == g->vms[i].hash_chain_tip);
  }
  auto a = chain_state::genesis(*g), b = chain_state::genesis(*rg);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->first.head_hash() == b->first.head_hash());
}

TEST_CASE("an auto genesis time is the caller's, rounded up to the next whole second") {
  std::string text = head + node_a + delegate_a;
  text.replace(text.find("1700000000000"), 13, "\"auto\"");
  auto t = parse_topology(text, "t.toml");
  REQUIRE_MESSAGE(t.has_value(), t.error().message());
  CHECK(t->network.genesis->auto_genesis_time);
  CHECK(auto_genesis_time(1'700'000'000'123) == 1'700'000'001'000);
  CHECK(auto_genesis_time(1'700'000'000'000) == 1'700'000'001'000);
  auto g = make_genesis_config(*t, {}, auto_genesis_time(1'700'000'000'123));
  REQUIRE(g.has_value());
  CHECK(g->params.genesis_time_ms == 1'700'000'001'000);
}

TEST_CASE("two delegates with one public key are an error at the second") {
  const std::string second = R"(
[[delegates]]
node = "a"
key_file = "keys/d2.json"
category = "gold"
bid = "100"
)";
  CHECK(error_of(head + node_a + delegate_a + second + commitment(pub1, '2'))
        == "t.toml:33:14: public_key 1b84c5567b126440... is also the key of the delegate at line 20; a delegate "
           "key must run in one place only, or it signs twice");
  CHECK(error_of(head + node_a + delegate_a + second + commitment(pub2, '1'))
        == "t.toml:34:18: hash_chain_tip 1111111111111111... is also the tip of the delegate at line 20; each "
           "delegate key has its own");
  // A topology built in code is checked again by make_genesis_config.
  auto t = parse_topology(head + node_a + delegate_a + second + commit2, "t.toml");
  REQUIRE_MESSAGE(t.has_value(), t.error().message());
  t->delegates[1].key = t->delegates[0].key;
  auto g = make_genesis_config(*t, {}, 0);
  REQUIRE_FALSE(g.has_value());
  CHECK(g.error().detail == "t.toml:33:14: public_key 1b84c5567b126440... is also the key of the delegate at line 20");
}

TEST_CASE("a topology with a genesis file takes no categories, bids or allocations") {
  const std::string text = R"([network]
name = "t"
genesis_file = "genesis.json"

)" + node_a + R"([[delegates]]
node = "a"
key_file = "keys/d1.json"
bid = "100"
)" + commit1 + R"(
[[accounts]]
address = "bfd00112233445566778899aabbccddeeff00112233"
amount = "5"
)";
  CHECK(error_of(text)
        == "t.toml:13:7: 'bid' in [[delegates]] is not allowed with [network] genesis_file: the genesis file "
           "fixes every VM's category and bid\n"
           "t.toml:17:1: [[accounts]] is not allowed with [network] genesis_file: the genesis file lists the "
           "allocations");
  const std::string good = R"([network]
name = "t"
genesis_file = "genesis.json"

)" + node_a + R"([[delegates]]
node = "a"
key_file = "keys/d1.json"
)" + commit1;
  auto t = parse_topology(good, "cfg/t.toml");
  REQUIRE_MESSAGE(t.has_value(), t.error().message());
  CHECK(t->network.genesis_file == "cfg/genesis.json");
  CHECK_FALSE(t->network.genesis);
  CHECK(t->delegates[0].key == keys_of(0x01).pub);
  CHECK_FALSE(make_genesis_config(*t, {}, 0).has_value());
}

TEST_CASE("a node's TLS files are resolved like key files, and all three are required") {
  auto t = parse_topology(head + R"([[nodes]]
name = "a"
host = "10.0.0.5"
port = 7101
data_dir = "data/a"
tls = { cert = "tls/a.crt", key = "tls/a.key", ca = "/etc/bfd/ca.pem" }
)" + delegate_a, "cfg/t.toml");
  REQUIRE_MESSAGE(t.has_value(), t.error().message());
  REQUIRE(t->nodes[0].tls);
  CHECK(t->nodes[0].tls->cert == "cfg/tls/a.crt");
  CHECK(t->nodes[0].tls->key == "cfg/tls/a.key");
  CHECK(t->nodes[0].tls->ca == "/etc/bfd/ca.pem");
  CHECK(error_of(head + R"([[nodes]]
name = "a"
host = "10.0.0.5"
port = 7101
data_dir = "data/a"
tls = { cert = "tls/a.crt", key = "tls/a.key", pem = "x" }
)" + delegate_a)
        == "t.toml:20:7: 'tls' of [[nodes]] is missing 'ca' (a CA certificate file path (PEM))\n"
           "t.toml:20:48: unknown key 'pem' in 'tls' of [[nodes]]; expected one of: cert, key, ca");
}

// Delegates' public parts ------------------------------------------------------------------------

TEST_CASE("a delegate carries its public key and hash-chain tip; its key file is optional") {
  auto t = parse_topology(head + node_a + R"([[delegates]]
node = "a"
category = "gold"
bid = "100"
public_key = "1B84C5567B126440995D3ED5AABA0565D71E1834604819FF9C17F5E9D5DD078F"
hash_chain_tip = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
)", "cfg/t.toml");
  REQUIRE_MESSAGE(t.has_value(), t.error().message());
  const auto& d = t->delegates[0];
  CHECK(d.key == keys_of(0x01).pub);
  CHECK(to_hex(d.hash_chain_tip) == "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  CHECK(d.key_file.empty());
  CHECK(d.key_file_where.to_string() == "cfg/t.toml:20:1");
  CHECK(d.public_key_where.to_string() == "cfg/t.toml:24:14");
  CHECK(d.hash_chain_tip_where.to_string() == "cfg/t.toml:25:18");

  auto with_file = parse_topology(head + node_a + delegate_a, "cfg/t.toml");
  REQUIRE(with_file.has_value());
  CHECK(with_file->delegates[0].key_file == "cfg/keys/d1.json");
  CHECK(with_file->delegates[0].key_file_where.to_string() == "cfg/t.toml:22:12");
}

TEST_CASE("a delegate without its public key or hash-chain tip is an error") {
  CHECK(error_of(head + node_a + R"([[delegates]]
node = "a"
key_file = "keys/d1.json"
category = "gold"
bid = "100"
)")
        == "t.toml:20:1: [[delegates]] is missing 'public_key' (64 hex digits of the delegate's x-only public "
           "key, from bfd-cli key show --delegate FILE)\n"
           "t.toml:20:1: [[delegates]] is missing 'hash_chain_tip' (64 hex digits of the delegate's hash-chain "
           "commitment, from bfd-cli key show --delegate FILE)");
}

TEST_CASE("a public key or hash-chain tip that is not 64 hex digits of the right kind is an error") {
  const std::string delegate = R"([[delegates]]
node = "a"
category = "gold"
bid = "100"
)";
  CHECK(error_of(head + node_a + delegate + "public_key = \"0x" + pub1 + "\"\nhash_chain_tip = \"" + pub1.substr(2)
                 + "\"\n")
        == "t.toml:24:14: 'public_key' in [[delegates]] must be 64 hex digits of the delegate's x-only public key, "
           "from bfd-cli key show --delegate FILE, got \"0x" + pub1 + "\"\n"
           "t.toml:25:18: 'hash_chain_tip' in [[delegates]] must be 64 hex digits of the delegate's hash-chain "
           "commitment, from bfd-cli key show --delegate FILE, got \"" + pub1.substr(2) + "\"");
  CHECK(error_of(head + node_a + delegate + "public_key = \"" + std::string(64, 'f') + "\"\nhash_chain_tip = \""
                 + std::string(63, '0') + "g\"\n")
        == "t.toml:24:14: 'public_key' in [[delegates]] must be 64 hex digits of the delegate's x-only public key, "
           "from bfd-cli key show --delegate FILE, got \"" + std::string(64, 'f') + "\", which is not a secp256k1 "
           "x-coordinate\n"
           "t.toml:25:18: 'hash_chain_tip' in [[delegates]] must be 64 hex digits of the delegate's hash-chain "
           "commitment, from bfd-cli key show --delegate FILE, got \"" + std::string(63, '0') + "g\"");
  CHECK(error_of(head + node_a + delegate + "public_key = 1\nhash_chain_tip = \"\"\n")
        == "t.toml:24:14: 'public_key' in [[delegates]] must be 64 hex digits of the delegate's x-only public key, "
           "from bfd-cli key show --delegate FILE, not an integer\n"
           "t.toml:25:18: 'hash_chain_tip' in [[delegates]] must be 64 hex digits of the delegate's hash-chain "
           "commitment, from bfd-cli key show --delegate FILE, got an empty string");
}

TEST_CASE("the genesis commits to the topology's public parts, not to key files or nodes") {
  // Two copies of one network as two operators keep them: each names only its own key files.
  const std::string node_b = "[[nodes]]\nname = \"b\"\nhost = \"127.0.0.1\"\nport = 7102\ndata_dir = \"data/b\"\n";
  auto on_a = parse_topology(head + node_a + node_b + delegate_a + R"([[delegates]]
node = "b"
category = "bronze"
bid = "100"
)" + commit2, "a/t.toml");
  auto on_b = parse_topology(head + node_a + node_b + R"([[delegates]]
node = "a"
category = "gold"
bid = "100"
)" + commit1 + R"([[delegates]]
node = "b"
key_file = "/srv/bfd/keys/d2.json"
category = "bronze"
bid = "100"
)" + commit2, "b/t.toml");
  REQUIRE_MESSAGE(on_a.has_value(), on_a.error().message());
  REQUIRE_MESSAGE(on_b.has_value(), on_b.error().message());
  auto ga = make_genesis_config(*on_a, {}, 0), gb = make_genesis_config(*on_b, {}, 0);
  REQUIRE(ga.has_value());
  REQUIRE(gb.has_value());
  auto a = chain_state::genesis(*ga), b = chain_state::genesis(*gb);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->first.head_hash() == b->first.head_hash());
}

// Bad files: each error names file:line:column and says what was expected ---------------------------

TEST_CASE("an unknown key is an error that lists the keys the section takes") {
  CHECK(error_of(head + R"([[nodes]]
name = "a"
host = "127.0.0.1"
prot = 7101
port = 7101
data_dir = "data/a"
)" + delegate_a)
        == "t.toml:18:1: unknown key 'prot' in [[nodes]]; expected one of: name, host, port, data_dir, tls");
}

TEST_CASE("an unknown section is an error, and reserved sections say they come later") {
  CHECK(error_of(head + node_a + delegate_a + "\n[bridge]\nfrom = \"a\"\n")
        == "t.toml:28:2: unknown section [bridge]; expected one of: [network], [[nodes]], [[delegates]], "
           "[[accounts]], [http], [[chains]], [[bridges]], [cache]");
  CHECK(error_of(head + node_a + delegate_a + "\n[[services]]\nfrom = \"a\"\n")
        == "t.toml:28:3: section [[services]] is reserved for a later release and not supported yet");
  CHECK(error_of("[[network]]\nname = \"t\"\n" + node_a + delegate_a)
        == "t.toml:1:1: 'network' must be a table, written [network], not an array");
  CHECK(error_of("stray = 1\n" + head + node_a + delegate_a)
        == "t.toml:1:1: unknown key 'stray' at the top level; keys belong in a section: [network], [[nodes]], "
           "[[delegates]], [[accounts]], [http], [[chains]], [[bridges]], [cache]");
}

TEST_CASE("[cache] names the read cache's backend and bounds, each mistake at its position") {
  auto t = parse_topology(head + node_a + delegate_a
                            + "\n[cache]\nbackend = \"redis\"\nredis = \"127.0.0.1:6380\"\nttl_seconds = 30\n"
                              "timeout_ms = 50\nmax_entries = 500\n",
                          "t.toml");
  REQUIRE(t);
  CHECK(t->cache.backend == "redis");
  CHECK(t->cache.redis_host == "127.0.0.1");
  CHECK(t->cache.redis_port == 6380);
  CHECK(t->cache.ttl_seconds == 30);
  CHECK(t->cache.timeout_ms == 50);
  CHECK(t->cache.max_entries == 500);
  auto plain = parse_topology(head + node_a + delegate_a, "t.toml");
  REQUIRE(plain);
  CHECK(plain->cache.backend == "ring");
  CHECK(plain->cache.shards_per_node == 1);
  CHECK(error_of(head + node_a + delegate_a + "\n[cache]\nbackend = \"memcached\"\n")
        == "t.toml:29:11: 'backend' in [cache] must be \"ring\", \"redis\" or \"off\", not \"memcached\"");
  CHECK(error_of(head + node_a + delegate_a + "\n[cache]\nbackend = \"redis\"\n")
        == "t.toml:28:1: [cache] backend = \"redis\" needs 'redis' = \"HOST:PORT\": the server every node uses");
  CHECK(error_of(head + node_a + delegate_a + "\n[cache]\nbackend = \"redis\"\nredis = \"localhost\"\n")
        == "t.toml:30:9: 'redis' in [cache] must be \"HOST:PORT\" with a port 1-65535, not \"localhost\"");
  CHECK(error_of(head + node_a + delegate_a + "\n[cache]\nredis = \"h:1\"\n")
        == "t.toml:29:9: 'redis' in [cache] is used only with backend = \"redis\"");
}

TEST_CASE("a value of the wrong type is an error that names the type expected") {
  CHECK(error_of(head + R"([[nodes]]
name = "a"
host = "127.0.0.1"
port = "7101"
data_dir = "data/a"
)" + delegate_a)
        == "t.toml:18:8: 'port' in [[nodes]] must be an integer from 1 to 65535, not a string");
  CHECK(error_of(head + node_a + R"([[delegates]]
node = "a"
key_file = "keys/d1.json"
category = "gold"
bid = 100
)" + commit1)
        == "t.toml:24:7: 'bid' in [[delegates]] must be an amount as a string, e.g. \"100\" (BFDT) or \"1500u\" "
           "(base units), not an integer");
  CHECK(error_of("[nodes]\nname = \"a\"\n")
        == "t.toml:1:1: missing section [network]: a network needs a name and a genesis\n"
           "t.toml:1:1: 'nodes' must be an array of tables, written [[nodes]], not a table\n"
           "t.toml:1:1: missing section [[delegates]]: a network needs at least one delegate");
}

TEST_CASE("a missing required key is an error at the section's header") {
  CHECK(error_of(head + R"([[nodes]]
name = "a"
host = "127.0.0.1"
port = 7101
)" + delegate_a)
        == "t.toml:15:1: [[nodes]] is missing 'data_dir' (a directory path)");
  std::string no_slot = head + node_a + delegate_a;
  no_slot.erase(no_slot.find("slot_ms = 1000\n"), 15);
  CHECK(error_of(no_slot)
        == "t.toml:4:1: [network.genesis] is missing 'slot_ms' (an integer from 60 to 600000)");
}

TEST_CASE("two nodes with one name are an error at the second") {
  CHECK(error_of(head + node_a + R"(
[[nodes]]
name = "a"
host = "127.0.0.1"
port = 7102
data_dir = "data/b"
)" + delegate_a)
        == "t.toml:22:8: duplicate node name 'a' (first at line 16)");
}

TEST_CASE("two nodes on one host and port, or in one data directory, are errors") {
  CHECK(error_of(head + node_a + R"(
[[nodes]]
name = "b"
host = "127.0.0.1"
port = 7101
data_dir = "data/a/"
)" + delegate_a)
        == "t.toml:24:8: node address 127.0.0.1:7101 is already used by the node at line 15; every node needs "
           "its own host and port\n"
           "t.toml:25:12: data_dir \"data/a/\" is already used by the node at line 15; two nodes cannot share a "
           "database");
}

TEST_CASE("a delegate on a node the topology does not have is an error listing the nodes") {
  CHECK(error_of(head + node_a + R"([[delegates]]
node = "b"
key_file = "keys/d1.json"
category = "gold"
bid = "100"
)" + commit1)
        == "t.toml:21:8: unknown node 'b' for this delegate; expected one of: a");
}

TEST_CASE("a delegate in an unknown category is an error listing the categories") {
  CHECK(error_of(head + node_a + R"([[delegates]]
node = "a"
key_file = "keys/d1.json"
category = "platinum"
bid = "100"
)" + commit1)
        == "t.toml:23:12: unknown category 'platinum'; expected one of: gold, bronze");
}

TEST_CASE("ports outside 1-65535 are errors") {
  CHECK(error_of(head + R"([[nodes]]
name = "a"
host = "127.0.0.1"
port = 70000
data_dir = "data/a"
)" + delegate_a)
        == "t.toml:18:8: 'port' in [[nodes]] must be an integer from 1 to 65535, got 70000");
  CHECK(error_of(head + node_a + delegate_a + "\n[http]\nnode = \"a\"\nport = 0\n")
        == "t.toml:30:8: 'port' in [http] must be an integer from 1 to 65535, got 0");
}

TEST_CASE("malformed TOML is reported with toml++'s position and description") {
  CHECK(error_of(head + "[[nodes]]\nname = \"a\nhost = \"127.0.0.1\"\n")
        == "t.toml:16:10: invalid TOML: Error while parsing string: unescaped control characters other than TAB "
           "(U+0009) are explicitly prohibited");
  CHECK(error_of("[network]\nname = \"t\"\nname = \"u\"\n")
        == "t.toml:3:8: invalid TOML: Error while parsing key-value pair: cannot redefine existing string 'name'");
}

TEST_CASE("a network without delegates is an error") {
  CHECK(error_of(head + node_a)
        == "t.toml:1:1: missing section [[delegates]]: a network needs at least one delegate");
  CHECK(error_of("delegates = []\n" + head + node_a)
        == "t.toml:1:13: 'delegates' is empty: a network needs at least one delegate");
}

TEST_CASE("bids below min_bid, reused key files and bad accounts are errors") {
  CHECK(error_of(head + node_a + R"([[delegates]]
node = "a"
key_file = "keys/d1.json"
category = "gold"
bid = "99.5"
)" + commit1)
        == "t.toml:24:7: 'bid' in [[delegates]] must be at least the genesis min_bid of 100 BFDT, got 99.5 BFDT");
  CHECK(error_of(head + node_a + delegate_a + R"([[delegates]]
node = "a"
key_file = "./keys/d1.json"
category = "bronze"
bid = "100"
)" + commit2)
        == "t.toml:29:12: key file \"./keys/d1.json\" is also used by the delegate at line 22; a delegate key "
           "must run in one place only, or it signs twice");
  CHECK(error_of(head + node_a + delegate_a + R"([[accounts]]
address = "bfd00112233445566778899aabbccddeeff00112233"
key_file = "keys/a1.json"
amount = "0"
)")
        == "t.toml:29:12: [[accounts]] has both 'address' and 'key_file'; give exactly one of them\n"
           "t.toml:30:10: 'amount' in [[accounts]] must be more than 0, got 0");
  CHECK(error_of(head + node_a + delegate_a + R"([[accounts]]
address = "bfd0011"
amount = "1"
)")
        == "t.toml:28:11: 'address' in [[accounts]] must be an address: \"bfd\" followed by 40 hex digits, got "
           "\"bfd0011\"");
}

TEST_CASE("HTTP endpoints must be on known nodes and on ports of their own") {
  CHECK(error_of(head + node_a + delegate_a + "\n[http]\nnode = \"z\"\nport = 8080\n")
        == "t.toml:29:8: unknown node 'z' for this HTTP endpoint; expected one of: a");
  CHECK(error_of(head + node_a + delegate_a + "\n[http]\nnode = \"a\"\naddress = \"0.0.0.0\"\nport = 7101\n")
        == "t.toml:31:8: HTTP port 7101 is the port of node 'a' (line 15); give the HTTP endpoint a port of its "
           "own");
  CHECK(error_of(head + node_a + delegate_a
                 + "\n[[http]]\nnode = \"a\"\nport = 8080\n[[http]]\nnode = \"a\"\nport = 8081\n")
        == "t.toml:32:8: node 'a' already serves HTTP (line 28); one endpoint per node");
}

TEST_CASE("every problem of a file is reported, one per line, in file order") {
  CHECK(error_of(head + R"([[nodes]]
name = "a b"
host = "127.0.0.1"
port = 0
data_dir = "data/a"
colour = "blue"
)" + delegate_a)
        == "t.toml:16:8: 'name' in [[nodes]] must be a name of letters, digits, '.', '_' or '-' (at most 64), got "
           "\"a b\"\n"
           "t.toml:18:8: 'port' in [[nodes]] must be an integer from 1 to 65535, got 0\n"
           "t.toml:20:1: unknown key 'colour' in [[nodes]]; expected one of: name, host, port, data_dir, tls");
}

TEST_CASE("load_topology names the file, and reports input files that do not exist") {
  temp_dir dir;
  auto missing = load_topology((dir.path / "nope.toml").string());
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == errc::io);
  CHECK(missing.error().detail == (dir.path / "nope.toml").string()
                                    + ": cannot read the topology file: No such file or directory");

  // An account's key file is read by every node, so it must exist.
  const auto path = dir.write("net/t.toml", head + node_a + delegate_a
                                              + "[[accounts]]\nkey_file = \"keys/a1.json\"\namount = \"1\"\n");
  auto t = load_topology(path);
  REQUIRE_FALSE(t.has_value());
  CHECK(t.error().detail == path + ":28:12: key file \"" + (dir.path / "net/keys/a1.json").string()
                              + "\" does not exist");
  dir.write("net/keys/a1.json", "{}");
  auto ok = load_topology(path);
  REQUIRE_MESSAGE(ok.has_value(), ok.error().message());
  CHECK(ok->accounts[0].key_file == (dir.path / "net/keys/a1.json").string());
  // A delegate's key file is only on the node that runs it: loading never looks for it.
  CHECK_FALSE(fs::exists(dir.path / "net/keys/d1.json"));
  CHECK(ok->delegates[0].key_file == (dir.path / "net/keys/d1.json").string());

  // A node's TLS private key is only on its machine: loading as another node skips it (every
  // node has every certificate: peers pin them).
  const auto tls = dir.write("tls/t.toml", head + R"([[nodes]]
name = "a"
host = "127.0.0.1"
port = 7101
data_dir = "data/a"
tls = { cert = "a.crt", key = "a.key", ca = "ca.pem" }

[[nodes]]
name = "b"
host = "127.0.0.1"
port = 7102
data_dir = "data/b"
tls = { cert = "b.crt", key = "b.key", ca = "ca.pem" }
)" + delegate_a);
  for (const char* f : {"tls/a.crt", "tls/a.key", "tls/ca.pem"})
    dir.write(f, "-");
  const auto b_cert = tls + ":27:16: TLS certificate \"" + (dir.path / "tls/b.crt").string() + "\" does not exist";
  const auto b_key = tls + ":27:31: TLS key \"" + (dir.path / "tls/b.key").string() + "\" does not exist";
  auto without_b_cert = load_topology(tls, "a");
  REQUIRE_FALSE(without_b_cert.has_value());
  CHECK(without_b_cert.error().detail == b_cert);
  dir.write("tls/b.crt", "-");
  auto as_a = load_topology(tls, "a");
  CHECK_MESSAGE(as_a.has_value(), as_a.error().message());
  auto as_b = load_topology(tls, "b");
  REQUIRE_FALSE(as_b.has_value());
  CHECK(as_b.error().detail == b_key);
  auto any = load_topology(tls);
  REQUIRE_FALSE(any.has_value());
  CHECK(any.error().detail == b_key);

  const auto bad = dir.write("bad.toml", "[network\n");
  auto b = load_topology(bad);
  REQUIRE_FALSE(b.has_value());
  CHECK(b.error().detail.rfind(bad + ":1:9: invalid TOML: ", 0) == 0);
}

// [[chains]] ------------------------------------------------------------------------------------

namespace {

const std::string pub3 = to_hex(keys_of(0x03).pub);

/// Three nodes and three delegates (a: gold pub1, b: bronze pub2, c: bronze pub3).
const std::string chains_base = head + node_a + R"(
[[nodes]]
name = "b"
host = "127.0.0.1"
port = 7102
data_dir = "data/b"

[[nodes]]
name = "c"
host = "127.0.0.1"
port = 7103
data_dir = "data/c"
)" + delegate_a + "\n[[delegates]]\nnode = \"b\"\ncategory = \"bronze\"\nbid = \"100\"\n" + commit2
  + "\n[[delegates]]\nnode = \"c\"\ncategory = \"bronze\"\nbid = \"100\"\n" + commitment(pub3, '3') + "\n";

/// The line the next appended text starts at.
std::uint32_t next_line(const std::string& text) {
  return static_cast<std::uint32_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

std::string validator(const std::string& pub, char tip_fill) {
  return "  { public_key = \"" + pub + "\", hash_chain_tip = \"" + std::string(64, tip_fill) + "\" },\n";
}

/// A valid sidechain on nodes a and b with all three delegates as validators (9 lines + extra).
std::string sidechain(const std::string& extra = {}, const std::string& nodes = R"(["a", "b"])",
                      std::uint32_t id = 2, const std::string& name = "fund exchange") {
  return "[[chains]]\nid = " + std::to_string(id) + "\nkind = \"system_service\"\nname = \"" + name
         + "\"\nnodes = " + nodes + "\nvalidators = [\n" + validator(pub1, 'a') + validator(pub2, 'b')
         + validator(pub3, 'c') + "]\n" + extra;
}

std::string at(std::uint32_t line, std::uint32_t column) {
  return "t.toml:" + std::to_string(line) + ":" + std::to_string(column) + ": ";
}

} // namespace

TEST_CASE("a sidechain is hosted on the nodes of its nodes line, its validators beside their mainchain delegate") {
  auto t = parse_topology(chains_base + sidechain("token = { symbol = \"FEX\", allocations = [{ address = \""
                                                  + format_address(address_of(keys_of(0x70).pub))
                                                  + "\", amount = \"5\" }] }\nparams = { slot_ms = 500 }\n"),
                          "t.toml");
  REQUIRE_MESSAGE(t.has_value(), t.error().message());
  CHECK(t->mainchain_nodes == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(t->chains.size() == 1);
  const auto& c = t->chains[0];
  CHECK(c.id == 2);
  CHECK(c.kind == chain_kind::system_service);
  CHECK(c.name == "fund exchange");
  CHECK(c.nodes == std::vector<std::string>{"a", "b"});
  CHECK(c.token.symbol == "FEX");
  REQUIRE(c.token.allocations.size() == 1);
  CHECK(c.token.allocations[0].value == 5 * units_per_bfdt);
  CHECK(c.rule.per_category == std::vector<std::uint32_t>{1, 2});  // one gold, two bronze
  REQUIRE(c.validators.size() == 3);
  CHECK(c.validators[0].node == "a");
  CHECK(c.validators[1].node == "b");
  CHECK(c.validators[2].node.empty());  // c runs pub3's mainchain delegate, but does not host chain 2
  CHECK(t->chains_on("a") == std::vector<std::size_t>{0});
  CHECK(t->chains_on("c").empty());
  CHECK(t->hosts_mainchain("c"));

  // The registry entry and the genesis every node derives from it.
  auto g = make_genesis_config(*t, addresses_for(*t), 1'700'000'000'000);
  REQUIRE(g.has_value());
  auto e = make_sidechain_entry(c, *g);
  REQUIRE_MESSAGE(e.has_value(), e.error().message());
  CHECK(e->params.slot_ms == 500);
  CHECK(e->params.rounds_per_epoch == 10);  // the mainchain's
  CHECK(e->genesis_time_ms == 1'700'000'000'000);
  REQUIRE(e->validators.size() == 3);
  for (const auto& v : e->validators)
    CHECK(v.bid == g->params.min_bid);
  auto spec = sidechain_spec(*e, g->params);
  CHECK(spec.genesis.chain == 2);
  auto built = chain_state::genesis(spec.genesis);
  CHECK_MESSAGE(built.has_value(), built.error().message());

  // Listing validators in another order derives the same genesis.
  auto reordered = parse_topology(chains_base + "[[chains]]\nid = 2\nkind = \"system_service\"\nname = \"fund exchange\""
                                                  "\nnodes = [\"a\", \"b\"]\nvalidators = [\n" + validator(pub3, 'c')
                                    + validator(pub1, 'a') + validator(pub2, 'b') + "]\ntoken = { symbol = \"FEX\", "
                                    "allocations = [{ address = \"" + format_address(address_of(keys_of(0x70).pub))
                                    + "\", amount = \"5\" }] }\nparams = { slot_ms = 500 }\n",
                                  "t.toml");
  REQUIRE_MESSAGE(reordered.has_value(), reordered.error().message());
  CHECK(*make_sidechain_entry(reordered->chains[0], *g) == *e);
}

TEST_CASE("a delegates table moves one validator to another hosting node; the mainchain may be left off a node") {
  const auto base_lines = next_line(chains_base);
  auto t = parse_topology(chains_base + sidechain("delegates = { \"" + pub3 + "\" = \"b\" }\n")
                            + "\n[[chains]]\nid = 1\nnodes = [\"a\", \"b\", \"c\"]\n",
                          "t.toml");
  REQUIRE_MESSAGE(t.has_value(), t.error().message());
  const auto& v = t->chains[0].validators[2];
  CHECK(v.node == "b");
  CHECK(v.placed_explicitly);
  CHECK(v.placed_where.line == base_lines + 10);
  CHECK(t->chains.size() == 1);  // the mainchain's entry is not a sidechain

  // A node that does not host the mainchain cannot run a mainchain delegate.
  CHECK(error_of(chains_base + "[[chains]]\nid = 1\nnodes = [\"a\", \"b\"]\n")
        == at(47, 1) + "this delegate runs on node 'c', which does not host the mainchain (the [[chains]] entry at line "
             + std::to_string(base_lines) + ")");
}

TEST_CASE("every [[chains]] mistake is named at its position") {
  const auto l = next_line(chains_base);  // the [[chains]] header
  // Unknown node, a node listed twice, an empty list.
  CHECK(error_of(chains_base + sidechain({}, R"(["a", "x"])"))
        == at(l + 4, 15) + "unknown node 'x' for this chain; expected one of: a, b, c");
  CHECK(error_of(chains_base + sidechain({}, R"(["a", "a"])"))
        == at(l + 4, 15) + "node 'a' is listed twice in 'nodes'");
  CHECK(error_of(chains_base + sidechain({}, "[]"))
        == at(l + 4, 9) + "'nodes' in [[chains]] must be an array of node names, e.g. [\"a\", \"b\"], got an empty array");
  // Duplicate ids and names.
  CHECK(error_of(chains_base + sidechain() + sidechain({}, R"(["a", "b"])", 2, "other"))
        == at(l + 11, 6) + "duplicate chain id 2 (first at line " + std::to_string(l) + ")");
  CHECK(error_of(chains_base + sidechain() + sidechain({}, R"(["a", "b"])", 3))
        == at(l + 13, 8) + "duplicate chain name \"fund exchange\" (first at line " + std::to_string(l + 3) + ")");
  // Kinds.
  auto kind = chains_base + sidechain();
  kind.replace(kind.find("\"system_service\""), 16, "\"sidechain\"");
  CHECK(error_of(kind) == at(l + 2, 8) + "'kind' in [[chains]] must be one of \"system_service\", \"daos\", "
                                        "\"ecosystem\", \"consortium\", got \"sidechain\"");
  // A validator that is not a genesis VM; a validator listed twice; its mainchain tip reused.
  const auto stranger = to_hex(keys_of(0x09).pub);
  auto not_vm = chains_base + sidechain();
  not_vm.replace(not_vm.find(pub3, chains_base.size()), 64, stranger);
  CHECK(error_of(not_vm) == at(l + 8, 18) + "public_key " + stranger.substr(0, 16)
                              + "... is not a [[delegates]] key: a sidechain's validators are mainchain genesis VMs");
  auto twice = chains_base + sidechain();
  twice.replace(twice.find(pub3, chains_base.size()), 64, pub1);
  CHECK(error_of(twice) == at(l + 8, 18) + "public_key " + pub1.substr(0, 16)
                             + "... is already a validator of this chain (line " + std::to_string(l + 6) + ")");
  auto main_tip = chains_base + sidechain();
  main_tip.replace(main_tip.find(std::string(64, 'a'), chains_base.size()), 64, std::string(64, '1'));
  CHECK(error_of(main_tip) == at(l + 6, 103) + "hash_chain_tip is this delegate's mainchain tip; each chain has its "
                                               "own: bfd-cli key show --delegate FILE --chain 2 prints it");
  // A delegate placed on a node that does not host the chain, or a key that is not a validator.
  CHECK(error_of(chains_base + sidechain("delegates = { \"" + pub3 + "\" = \"c\" }\n"))
        == at(l + 10, 84) + "node 'c' does not host this chain (nodes = [\"a\", \"b\"]); a delegate runs beside a "
                            "replica of its chain");
  CHECK(error_of(chains_base + sidechain("delegates = { \"" + stranger + "\" = \"a\" }\n"))
        == at(l + 10, 15) + "'" + stranger + "' in 'delegates' is not the public_key of a validator of this chain");
  CHECK(error_of(chains_base + sidechain("delegates = { \"" + pub3 + "\" = \"z\" }\n"))
        == at(l + 10, 84) + "unknown node 'z' for this delegate; expected one of: a, b, c");
  // A rule that the validators do not meet.
  CHECK(error_of(chains_base + sidechain("rule = [1, 1]\n"))
        == at(l + 10, 8) + "'rule' asks for 1 gold, 1 bronze validators, but 'validators' has 1, 2 per category");
  CHECK(error_of(chains_base + sidechain("rule = [1]\n"))
        == at(l + 10, 8) + "'rule' in [[chains]] must be an array of validator counts, one per category of "
                           "[network.genesis] (2), got 1 counts");
  // Tokens: pegged BFDT has no allocations, an own token needs them.
  CHECK(error_of(chains_base + sidechain("token = { symbol = \"BFDT\", allocations = [] }\n"))
        == at(l + 10, 42) + "a chain of pegged BFDT has no genesis supply: BFDT arrives through the two-way peg; "
                            "remove 'allocations' or give the chain its own symbol");
  CHECK(error_of(chains_base + sidechain("token = { symbol = \"FEX\" }\n"))
        == at(l + 10, 9) + "'token' of [[chains]] is missing 'allocations' (an array of { address = \"bfd...\", "
                           "amount = \"...\" }: the whole supply)");
  CHECK(error_of(chains_base + sidechain("token = { symbol = \"fex\" }\n"))
        == at(l + 10, 20) + "'symbol' in 'token' of [[chains]] must be \"BFDT\" (pegged BFDT) or the chain's own "
                            "symbol: 2 to 12 capital letters or digits, got \"fex\"");
  // Unknown keys, missing validators, bad parameters.
  CHECK(error_of(chains_base + sidechain("node = \"a\"\n"))
        == at(l + 10, 1) + "unknown key 'node' in [[chains]]; expected one of: id, kind, name, nodes, token, "
                           "validators, rule, params, delegates");
  CHECK(error_of(chains_base + "[[chains]]\nid = 2\nkind = \"daos\"\nname = \"f\"\nnodes = [\"a\"]\n")
        == at(l, 1) + "[[chains]] is missing 'validators' (an array of { public_key = \"...\", hash_chain_tip = "
                      "\"...\" }: mainchain delegates (bfd-cli key show --delegate FILE --chain ID prints an entry))");
  CHECK(error_of(chains_base + sidechain("params = { slot_ms = 5 }\n"))
        == at(l + 10, 22) + "'slot_ms' in 'params' of [[chains]] must be an integer from 60 to 600000, got 5");
  // The mainchain's entry takes nodes only.
  CHECK(error_of(chains_base + "[[chains]]\nid = 1\nkind = \"daos\"\nnodes = [\"a\", \"b\", \"c\"]\n")
        == at(l + 2, 8) + "'kind' in [[chains]] of the mainchain (id 1) must be \"mainchain\" (chain_id 1 is the "
                          "network's own chain), got \"daos\"");
}

TEST_CASE("config/three-nodes.toml hosts each sidechain on two nodes that hold all of its cluster's power") {
  auto t = load_topology(config_dir + "/three-nodes.toml");
  REQUIRE_MESSAGE(t.has_value(), t.error().message());
  CHECK(t->mainchain_nodes == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(t->chains.size() == 3);
  auto g = make_genesis_config(*t, addresses_for(*t), 1'700'000'000'000);
  REQUIRE(g.has_value());
  // Node power in the sidechain's real genesis cluster: every validator runs on a hosting node.
  auto power_of = [&](const chain_topology_spec& c) {
    auto e = make_sidechain_entry(c, *g);
    REQUIRE_MESSAGE(e.has_value(), e.error().message());
    auto genesis = chain_state::genesis(sidechain_spec(*e, g->params).genesis);
    REQUIRE_MESSAGE(genesis.has_value(), genesis.error().message());
    const auto& cluster = genesis->first.consensus().active();
    std::map<std::string, amount> power;
    for (const auto& m : cluster.members)
      for (const auto& v : c.validators)
        if (v.key == m.key)
          power[v.node] += m.power;
    return std::pair(power, cluster.power);
  };
  for (const auto& c : t->chains) {
    CAPTURE(c.id);
    CHECK(c.nodes.size() == 2);
    for (const auto& v : c.validators)
      CHECK(c.hosted_on(v.node));
    auto [power, total] = power_of(c);
    CHECK(power[c.nodes[0]] + power[c.nodes[1]] == total);
  }
  // Which node may go down (the file's comments): chain 2 needs a and b, chain 3 b and c, chain 4 a only.
  auto [p2, t2] = power_of(t->chains[0]);
  CHECK_FALSE(exceeds_two_thirds(p2["a"], t2));
  CHECK_FALSE(exceeds_two_thirds(p2["b"], t2));
  auto [p3, t3] = power_of(t->chains[1]);
  CHECK_FALSE(exceeds_two_thirds(p3["b"], t3));
  CHECK_FALSE(exceeds_two_thirds(p3["c"], t3));
  auto [p4, t4] = power_of(t->chains[2]);
  CHECK(p4["a"] == t4);

  // The one-line move of the integration test: chain 4's replica from b to c; its genesis stays.
  auto text = read_text(config_dir + "/three-nodes.toml");
  const auto at = text.find("nodes = [\"a\", \"b\"]", text.find("name = \"legal service\""));
  REQUIRE(at != std::string::npos);
  text.replace(at, 18, "nodes = [\"a\", \"c\"]");
  auto moved = parse_topology(text, config_dir + "/three-nodes.toml");
  REQUIRE_MESSAGE(moved.has_value(), moved.error().message());
  CHECK(moved->chains_on("b") == std::vector<std::size_t>{0, 1});
  CHECK(moved->chains_on("c") == std::vector<std::size_t>{1, 2});
  for (const auto& v : moved->chains[2].validators)
    CHECK(v.node == "a");
  CHECK(*make_sidechain_entry(moved->chains[2], *g) == *make_sidechain_entry(t->chains[2], *g));
}

TEST_CASE("registry_authority gives the mainchain the registry module; a bad key is refused with its position") {
  auto with_authority = [](const std::string& value) {
    std::string h = head;
    h.replace(h.find("miss_limit = 5\n"), 15, "miss_limit = 5\nregistry_authority = " + value + "\n");
    return h;
  };
  auto t = parse_topology(with_authority("\"" + pub1 + "\"") + node_a + delegate_a, "t.toml");
  REQUIRE_MESSAGE(t.has_value(), t.error().message());
  REQUIRE(t->network.genesis->registry_authority);
  CHECK(to_hex(*t->network.genesis->registry_authority) == pub1);
  const bfd::address none[1]{};
  auto g = make_genesis_config(*t, std::span<const bfd::address>(none, 0), 0);
  REQUIRE_MESSAGE(g.has_value(), g.error().message());
  CHECK(g->modules.has(module_id::registry));
  REQUIRE(g->registry);
  CHECK(g->registry->authority == *t->network.genesis->registry_authority);
  CHECK(g->registry->sidechains.empty());
  // Without it: no registry module.
  auto plain = parse_topology(head + node_a + delegate_a, "t.toml");
  REQUIRE(plain.has_value());
  auto pg = make_genesis_config(*plain, std::span<const bfd::address>(none, 0), 0);
  REQUIRE(pg.has_value());
  CHECK_FALSE(pg->modules.has(module_id::registry));

  CHECK(error_of(with_authority("\"" + std::string(64, 'f') + "\"") + node_a + delegate_a)
        == "t.toml:14:22: 'registry_authority' in [network.genesis] must be 64 hex digits of the registry "
           "authority's x-only public key, from bfd-cli key show FILE, got \"" + std::string(64, 'f') + "\"");
}

// peg and [[bridges]] ---------------------------------------------------------------------------

namespace {

/// chains_base with the registry and, unless `peg` is empty, `peg = <peg>` (lines 14 and 15).
std::string pegged_base(const std::string& peg = "true") {
  std::string text = chains_base;
  text.replace(text.find("miss_limit = 5\n"), 15,
               "miss_limit = 5\nregistry_authority = \"" + pub1 + "\"\n" + (peg.empty() ? "" : "peg = " + peg + "\n"));
  return text;
}

/// A [[bridges]] entry (4 lines + extra).
std::string bridge(const std::string& nodes = R"(["a", "b"])", std::uint32_t sidechain = 2,
                   const std::string& extra = "key_file = \"keys/bridge.json\"\n") {
  return "\n[[bridges]]\nsidechain = " + std::to_string(sidechain) + "\nnodes = " + nodes + "\n" + extra;
}

} // namespace

TEST_CASE("peg = true gives the mainchain the peg module; [[bridges]] places a pair's bridge on nodes") {
  const auto base = pegged_base() + sidechain();
  const auto l = next_line(base) + 1;  // the [[bridges]] header (after the blank line)
  auto t = parse_topology(base + bridge(), "net/t.toml");
  REQUIRE_MESSAGE(t.has_value(), t.error().message());
  CHECK(t->network.genesis->peg);
  REQUIRE(t->bridges.size() == 1);
  const auto& b = t->bridges[0];
  CHECK(b.sidechain == 2);
  CHECK(b.nodes == std::vector<std::string>{"a", "b"});
  CHECK(b.key_file == "net/keys/bridge.json");  // resolved against the topology's directory
  CHECK(b.where.line == l);
  CHECK(b.key_file_where.line == l + 3);
  CHECK(t->bridges_on("a") == std::vector<std::size_t>{0});
  CHECK(t->bridges_on("b") == std::vector<std::size_t>{0});
  CHECK(t->bridges_on("c").empty());
  auto g = make_genesis_config(*t, addresses_for(*t), 1'700'000'000'000);
  REQUIRE_MESSAGE(g.has_value(), g.error().message());
  CHECK(g->modules.has(module_id::peg));
  CHECK(g->modules.has(module_id::registry));
  CHECK(g->peg);
  // Without peg: no peg module.
  auto plain = parse_topology(pegged_base("") + sidechain(), "net/t.toml");
  REQUIRE_MESSAGE(plain.has_value(), plain.error().message());
  CHECK_FALSE(plain->network.genesis->peg);
  auto pg = make_genesis_config(*plain, addresses_for(*plain), 1'700'000'000'000);
  REQUIRE(pg.has_value());
  CHECK_FALSE(pg->modules.has(module_id::peg));
  CHECK_FALSE(pg->peg);
}

TEST_CASE("every peg and [[bridges]] mistake is named at its position") {
  // peg needs the registry, and is a boolean.
  std::string no_registry = chains_base;
  no_registry.replace(no_registry.find("miss_limit = 5\n"), 15, "miss_limit = 5\npeg = true\n");
  CHECK(error_of(no_registry) == at(14, 7) + "peg = true needs the sidechain registry: give registry_authority too");
  CHECK(error_of(pegged_base("\"yes\""))
        == at(15, 7) + "'peg' in [network.genesis] must be true or false, not a string");

  const auto base = pegged_base() + sidechain() + sidechain({}, R"(["b", "c"])", 3, "fund rating");
  const auto l = next_line(base) + 1;
  // A bridge without the peg.
  const auto unpegged = pegged_base("") + sidechain();
  CHECK(error_of(unpegged + bridge())
        == at(next_line(unpegged) + 1, 1) + "a bridge carries peg messages, and this network has no peg: set "
                                            "peg = true in [network.genesis]");
  // The pair: a [[chains]] sidechain, not the mainchain nor an unknown id.
  CHECK(error_of(base + bridge(R"(["a"])", 1))
        == at(l + 1, 13) + "'sidechain' in [[bridges]] must be the id of a [[chains]] sidechain (2, 3), got 1");
  CHECK(error_of(base + bridge(R"(["a"])", 9))
        == at(l + 1, 13) + "'sidechain' in [[bridges]] must be the id of a [[chains]] sidechain (2, 3), got 9");
  // Nodes: known, once, hosting both chains.
  CHECK(error_of(base + bridge(R"(["a", "x"])"))
        == at(l + 2, 15) + "unknown node 'x' for this bridge; expected one of: a, b, c");
  CHECK(error_of(base + bridge(R"(["a", "a"])")) == at(l + 2, 15) + "node 'a' is listed twice in 'nodes'");
  CHECK(error_of(base + bridge(R"(["a", "c"])"))
        == at(l + 2, 15) + "node 'c' cannot run this bridge: it does not host chain 2 (nodes: a, b, line "
             + std::to_string(next_line(pegged_base()) + 4) + ")");
  CHECK(error_of(base + bridge("[]"))
        == at(l + 2, 9) + "'nodes' in [[bridges]] must be an array of node names, e.g. [\"a\", \"b\"]: the nodes "
                          "that run this bridge, got an empty array");
  // (b also runs a mainchain delegate, an error of its own before this one.)
  CHECK_MESSAGE(error_of(base + "\n[[chains]]\nid = 1\nnodes = [\"a\", \"c\"]\n" + bridge(R"(["b", "c"])", 3))
                  .find("\n" + at(l + 6, 10) + "node 'b' cannot run this bridge: it does not host the mainchain "
                        "(nodes: a, c)") != std::string::npos,
                error_of(base + "\n[[chains]]\nid = 1\nnodes = [\"a\", \"c\"]\n" + bridge(R"(["b", "c"])", 3)));
  // One bridge of a pair per node; a key file is required.
  CHECK(error_of(base + bridge(R"(["a"])") + bridge(R"(["b", "a"])"))
        == at(l + 7, 15) + "node 'a' already runs the bridge of chain 2 (line " + std::to_string(l) + ")");
  CHECK(error_of(base + bridge(R"(["a"])", 2, ""))
        == at(l, 1) + "[[bridges]] is missing 'key_file' (a path to the bridge's key file (bfd-cli key new --out FILE))");
}
