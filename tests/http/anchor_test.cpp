// GET /v1/chains/{chain}/anchor/{height} over a real node hosting the mainchain and dev
// sidechain 2, whose final headers the sidechain watcher anchors on the mainchain: the proof a
// client receives verifies on its own against the mainchain's final header, a tampered proof does
// not, and what is not a registered sidechain or not anchored yet is 404.
#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <sys/wait.h>

#include "chains/sidechain/anchoring_proof.hpp"
#include "chains/sidechain/chain_spec.hpp"
#include "chains/sidechain/registry_payloads.hpp"
#include "runtime/dev_sidechains.hpp"
#include "runtime/peg_specs.hpp"
#include "runtime/sidechain_watcher.hpp"
#include "tests/http/support.hpp"

using namespace bfd;
using namespace bfd::test::http;
using test::shared_network;
using std::chrono::seconds;

namespace {

constexpr chain_id side = 2;

/// The mainchain and dev sidechain 2 on one node with its HTTP API, the watcher anchoring
/// sidechain 2's final headers through the node's anchor key, driven slot by slot.
struct anchoring_node {
  config cfg;
  caf::actor_system system{cfg};
  std::shared_ptr<manual_clock> time = std::make_shared<manual_clock>(0);
  std::unique_ptr<runtime::node> n;
  std::unique_ptr<runtime::sidechain_watcher> watcher;
  std::unique_ptr<httplib::Client> client;

  anchoring_node() {
    const auto& net = shared_network();
    std::vector<chain_spec> specs;
    for (const auto& e : runtime::dev_sidechain_entries(net))
      if (e.id == side)
        specs.push_back(runtime::sidechain_spec_for(e, net.genesis));
    REQUIRE(specs.size() == 1);
    runtime::node_options o;
    o.chains = runtime::dev_hosted_chains(net, specs);
    o.reporter = net.reporter;
    o.time = time;
    o.self_ticking = false;
    http_options h;
    h.port = 0;
    h.rate_per_second = 0;
    o.http = h;
    auto started = runtime::node::start(system, std::move(o));
    REQUIRE(started);
    n = std::move(*started);
    runtime::sidechain_watch_options w;
    w.mainchain = net.genesis.params;
    w.peg_trust = runtime::mainchain_peg_trust(net.genesis);
    w.hosts = [](chain_id id) { return id == side; };
    w.submit_anchor = runtime::anchor_submitter(system, *n, net.anchorer);
    watcher = std::make_unique<runtime::sidechain_watcher>(system, *n, std::move(w));
    client = std::make_unique<httplib::Client>("127.0.0.1", n->http()->port());
    client->set_read_timeout(10, 0);
  }
  ~anchoring_node() {
    watcher.reset();
    n->stop();
  }

  answer get(const std::string& path) { return to_answer(client->Get(path.c_str())); }

  /// Runs one global slot on both chains, then lets the watcher submit the anchors due.
  void run_slot(std::uint64_t g) {
    test::run_slots(system, *time, shared_network().genesis.params, test::hosted_delegates(*n), g, g + 1);
    watcher->poll_once();
  }

  /// The mainchain's final header, asked of its chain actor (not through the route under test).
  block_header mainchain_final() {
    caf::scoped_actor self{system};
    std::optional<block_header> out;
    self->request(n->chain(), seconds(10), info_atom::value)
      .receive([&](const chain_info& i) {
        self->request(n->chain(), seconds(10), height_atom::value, i.final_height)
          .receive([&](const block_envelope& b) { if (b) out = b->header; }, [](const caf::error&) {});
      }, [](const caf::error&) {});
    REQUIRE(out);
    return *out;
  }
};

block_header header_of(const json& entry) {
  auto raw = from_hex(entry["hex"].get<std::string>());
  REQUIRE(raw);
  auto h = codec::decode_block_header(*raw);
  REQUIRE(h);
  CHECK(entry["height"] == h->height);
  CHECK(entry["hash"] == to_hex(header_hash(*h)));
  return *h;
}

/// The proof and its binding, read from the route's JSON as a client would.
struct client_proof {
  anchoring_proof proof;
  anchor_binding binding;
};

client_proof read_proof(const json& j) {
  client_proof out;
  for (const auto& h : j["sidechain_links"])
    out.proof.sidechain_links.push_back(header_of(h));
  out.proof.anchored = header_of(j["anchored"]);
  out.proof.mainchain_block = header_of(j["mainchain_block"]);
  for (const auto& h : j["mainchain_links"])
    out.proof.mainchain_links.push_back(header_of(h));
  out.proof.inclusion.index = j["inclusion"]["index"].get<std::uint64_t>();
  out.proof.inclusion.leaf_count = j["inclusion"]["leaf_count"].get<std::uint64_t>();
  for (const auto& s : j["inclusion"]["siblings"]) {
    auto h = fixed_from_hex<32>(s.get<std::string>());
    REQUIRE(h);
    out.proof.inclusion.siblings.push_back(*h);
  }
  // The binding comes from the anchor transaction itself, not from the route's say-so.
  auto tx = transaction_from_hex(j["anchor_tx"]["hex"].get<std::string>());
  REQUIRE(tx);
  const auto* a = std::get_if<sidechain_anchor_tx>(&tx->payload);
  REQUIRE(a);
  REQUIRE(a->body);
  CHECK(a->body->id == side);
  out.binding = anchor_binding{entry_hash(*tx), header_hash(a->body->header)};
  CHECK(j["anchor_tx"]["entry"] == to_hex(out.binding.entry));
  CHECK(j["anchor_tx"]["anchored_header"] == to_hex(out.binding.anchored_header));
  return out;
}

/// Holds answers of this route against docs/openapi.yaml (tests/http/openapi_check.py --partial).
void check_against_openapi(const std::vector<answer>& answers) {
  json exchanges = json::array();
  for (const auto& a : answers)
    exchanges.push_back({{"method", "GET"}, {"route", "/v1/chains/{chain}/anchor/{height}"}, {"status", a.status},
                         {"content_type", a.content_type}, {"body", a.text}});
  test::temp_dir dir;
  const auto file = (dir.path / "exchanges.json").string();
  std::ofstream(file) << exchanges.dump(1);
  std::string out;
  FILE* p = ::popen(("python3 " BFD_SOURCE_DIR "/tests/http/openapi_check.py --partial " BFD_SOURCE_DIR
                     "/docs/openapi.yaml " + file + " 2>&1").c_str(), "r");
  REQUIRE(p);
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), p))
    out.append(buf.data(), n);
  const int status = ::pclose(p);
  CHECK_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0), out);
}

} // namespace

TEST_CASE("a sidechain block's anchoring proof from the API verifies against the mainchain's final header") {
  anchoring_node node;
  // The dev mainchain has the peg: the hosted sidechain's genesis (built with the peg module and
  // a trust point) must be exactly the one the registry derived, or no anchor would verify.
  {
    auto list = node.get("/v1/sidechains");
    REQUIRE(list.status == 200);
    std::string registered;
    for (const auto& s : list.body["sidechains"])
      if (s["id"] == side)
        registered = s["genesis_hash"].get<std::string>();
    auto b0 = node.get("/v1/chains/2/blocks/0");
    REQUIRE(b0.status == 200);
    CHECK(!registered.empty());
    CHECK(b0.body["hash"].get<std::string>() == registered);
    CHECK(shared_network().genesis.modules.has(module_id::peg));
  }
  std::uint64_t g = 0;
  // Until an anchor of sidechain 2 is in a final mainchain block.
  std::uint64_t anchored = 0;
  // Transfers beside the anchors, so the anchoring block's Merkle path has siblings.
  std::uint64_t nonce = 0;
  auto transfer = [&] {
    auto r = node.client->Post("/v1/txs", hex_body(signed_transfer(nonce++, address_of(shared_network().accounts[1].pub), 1)),
                               "application/json");
    REQUIRE(r);
    CHECK(r->status == 202);
  };
  for (; g < 120 && anchored == 0; ++g) {
    transfer();
    transfer();
    node.run_slot(g);
    auto list = node.get("/v1/sidechains");
    REQUIRE(list.status == 200);
    for (const auto& s : list.body["sidechains"])
      if (s["id"] == side)
        anchored = s["anchored"]["height"].get<std::uint64_t>();
  }
  REQUIRE_MESSAGE(anchored >= 2, "no anchor of sidechain 2 after " << g << " slots");
  for (auto end = g + 3; g < end; ++g)  // the anchoring block gets descendants: mainchain links
    node.run_slot(g);

  const std::uint64_t h = anchored - 2;  // two sidechain links below the anchored header
  auto a = node.get("/v1/chains/2/anchor/" + std::to_string(h));
  REQUIRE_MESSAGE(a.status == 200, a.text);
  CHECK(a.body["verified"] == true);
  CHECK(a.body["chain"] == side);
  CHECK(a.body["height"] == h);
  CHECK(a.body["sidechain_links"].size() == 2);
  CHECK(a.body["anchored"]["height"] == anchored);
  auto block = node.get("/v1/chains/2/blocks/" + std::to_string(h));
  REQUIRE(block.status == 200);
  CHECK(a.body["hash"] == block.body["hash"]);

  const auto trusted = node.mainchain_final();
  auto info = node.get("/v1/info");
  CHECK(info.body["final"]["hash"] == to_hex(header_hash(trusted)));
  CHECK(a.body["ends_at"]["hash"] == to_hex(header_hash(trusted)));
  auto hash = fixed_from_hex<32>(a.body["hash"].get<std::string>());
  REQUIRE(hash);
  const anchored_block claim{side, h, *hash};
  auto p = read_proof(a.body);
  CHECK_FALSE(p.proof.mainchain_links.empty());
  CHECK(p.proof.inclusion.leaf_count > 1);
  CHECK(verify_anchoring(p.proof, trusted, p.binding, claim));

  SUBCASE("a tampered Merkle path fails") {
    auto bad = p;
    if (bad.proof.inclusion.siblings.empty())
      bad.proof.inclusion.siblings.push_back(p.binding.entry);  // a leaf alone has no path
    else
      bad.proof.inclusion.siblings.front().data[0] ^= 1;
    auto st = verify_anchoring(bad.proof, trusted, bad.binding, claim);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == errc::bad_proof);
  }
  SUBCASE("a tampered sidechain link fails") {
    auto bad = p;
    bad.proof.sidechain_links.front().state_root.data[0] ^= 1;
    CHECK_FALSE(verify_anchoring(bad.proof, trusted, bad.binding, claim));
  }
  SUBCASE("another anchor transaction's binding fails") {
    auto bad = p;
    bad.binding.entry.data[0] ^= 1;
    CHECK_FALSE(verify_anchoring(bad.proof, trusted, bad.binding, claim));
  }
  SUBCASE("the anchored height itself needs no sidechain link") {
    auto top = node.get("/v1/chains/2/anchor/" + std::to_string(anchored));
    REQUIRE_MESSAGE(top.status == 200, top.text);
    CHECK(top.body["sidechain_links"].empty());
    auto tp = read_proof(top.body);
    CHECK(verify_anchoring(tp.proof, trusted, tp.binding,
                           anchored_block{side, anchored, header_hash(tp.proof.anchored)}));
  }
  SUBCASE("what is not a registered sidechain, or not anchored yet, is 404; a malformed path 400") {
    std::vector<answer> answers{a};
    auto refused = [&](const std::string& path, int status, std::string_view code) {
      answers.push_back(node.get(path));
      check_error(answers.back(), status, code);
    };
    refused("/v1/chains/1/anchor/0", 404, "not_found");   // the mainchain
    refused("/v1/chains/99/anchor/0", 404, "not_found");  // not registered
    refused("/v1/chains/3/anchor/0", 404, "not_found");   // registered, never anchored
    refused("/v1/chains/2/anchor/" + std::to_string(anchored + 1000), 404, "not_found");
    refused("/v1/chains/2/anchor/x", 400, "invalid_argument");
    refused("/v1/chains/two/anchor/1", 400, "invalid_argument");
    refused("/v1/chains/2/anchor/18446744073709551616", 400, "invalid_argument");
    check_against_openapi(answers);
  }
}
