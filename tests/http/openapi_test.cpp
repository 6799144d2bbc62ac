// docs/openapi.yaml held against a real node: every route is requested (answers and refusals),
// the exchanges are written to a file and tests/http/openapi_check.py validates each status,
// content type and body against the spec's schemas (python3-jsonschema), and that every
// documented operation was exercised.
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <sys/wait.h>
#include <fstream>
#include <string>

#include "chains/access/signed_request.hpp"
#include "chains/state/access_tx.hpp"
#include "tests/http/support.hpp"

using namespace bfd;
using namespace bfd::test::http;
using test::shared_network;

namespace {

/// Requests made, with the route template each one is checked under.
struct recorder {
  harness& h;
  json exchanges = json::array();

  answer record(const char* method, const std::string& route, const httplib::Result& r) {
    auto a = to_answer(r);
    exchanges.push_back({{"method", method}, {"route", route}, {"status", a.status},
                         {"content_type", a.content_type}, {"body", a.text}});
    return a;
  }
  answer get(const std::string& route, const std::string& path) { return record("GET", route, h.client->Get(path.c_str())); }
  /// A signed read (docs/formats.md §15a) by `keys` for `chain`.
  answer get_signed(const std::string& route, const std::string& path, const key_pair& keys,
                    std::uint32_t chain = mainchain_id) {
    const auto ts = h.time->now_ms();
    hash256 aux;  // fresh per request: equal requests at one clock time must not be replays
    aux.data[0] = static_cast<byte>(exchanges.size());
    aux.data[1] = static_cast<byte>(exchanges.size() >> 8);
    const auto sig = acl::sign_request(keys, chain, "GET", path, ts, {}, aux);
    const httplib::Headers headers{{"X-Bfd-Public-Key", to_hex(keys.pub)}, {"X-Bfd-Timestamp", std::to_string(ts)},
                                   {"X-Bfd-Signature", to_hex(sig)}};
    return record("GET", route, h.client->Get(path.c_str(), headers));
  }
  answer post(const std::string& route, const std::string& path, const std::string& body,
              const char* type = "application/json") {
    return record("POST", route, h.client->Post(path.c_str(), body, type));
  }
};

/// Runs a command, returns its exit status and what it printed.
std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p);
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), p))
    out.append(buf.data(), n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

} // namespace

TEST_CASE("every route's real answers match docs/openapi.yaml") {
  harness h;
  recorder r{h};
  const auto to = format_address(address_of(shared_network().accounts[1].pub));
  const std::string bad_id(64, 'f');

  // Before any block: no certificate, a pending transaction.
  for (const std::string prefix : {"/v1", "/v1/chains/1"}) {
    const auto chain_route = [&](const std::string& suffix) {
      return (prefix == "/v1" ? "/v1" : "/v1/chains/{chain}") + suffix;
    };
    CHECK(r.get(chain_route("/certificate"), prefix + "/certificate").status == 404);
  }
  const auto tx = signed_transfer(0, address_of(shared_network().accounts[1].pub), units_per_bfdt);
  REQUIRE(r.post("/v1/txs", "/v1/txs", hex_body(tx)).status == 202);
  CHECK(r.get("/v1/txs/{id}", "/v1/txs/" + to_hex(signing_hash(tx))).body["status"] == "pending");
  h.run_slots(0, 4);
  const auto batch_tx = signed_transfer(1, address_of(shared_network().accounts[1].pub), units_per_bfdt);

  r.get("/healthz", "/healthz");
  CHECK(r.get("/metrics", "/metrics").status == 200);
  CHECK(r.get("/explorer/", "/explorer/").status == 200);
  CHECK(r.get("/explorer/{file}", "/explorer/app.js").status == 200);
  CHECK(r.get("/explorer/{file}", "/explorer/style.css").status == 200);
  CHECK(r.get("/explorer/{file}", "/explorer/missing.js").status == 404);
  CHECK(r.get("/v1/chains", "/v1/chains").status == 200);
  CHECK(r.get("/v1/chains/{chain}", "/v1/chains/1").status == 200);
  CHECK(r.get("/v1/sidechains", "/v1/sidechains").status == 200);
  CHECK(r.get("/v1/chains/{chain}", "/v1/chains/9").status == 404);
  CHECK(r.get("/v1/chains/{chain}", "/v1/chains/x").status == 400);

  for (const std::string prefix : {"/v1", "/v1/chains/1"}) {
    const std::string t = prefix == "/v1" ? "/v1" : "/v1/chains/{chain}";
    CHECK(r.get(t + "/info", prefix + "/info").status == 200);
    CHECK(r.get(t + "/blocks/{id}", prefix + "/blocks/1").status == 200);
    CHECK(r.get(t + "/blocks/{id}", prefix + "/blocks/0").status == 200);
    CHECK(r.get(t + "/blocks/{id}", prefix + "/blocks/999999").status == 404);
    CHECK(r.get(t + "/blocks/{id}", prefix + "/blocks/abc").status == 400);
    CHECK(r.get(t + "/txs/{id}", prefix + "/txs/" + to_hex(signing_hash(tx))).status == 200);
    CHECK(r.get(t + "/txs/{id}", prefix + "/txs/" + bad_id).status == 404);
    CHECK(r.get(t + "/txs/{id}", prefix + "/txs/xyz").status == 400);
    CHECK(r.get(t + "/accounts/{address}", prefix + "/accounts/" + to).status == 200);
    CHECK(r.get(t + "/accounts/{address}", prefix + "/accounts/bfd00").status == 400);
    CHECK(r.get(t + "/delegates", prefix + "/delegates").status == 200);
    CHECK(r.get(t + "/schedule", prefix + "/schedule").status == 200);
    const auto cert = r.get(t + "/certificate", prefix + "/certificate");
    CHECK(cert.status == 200);
    // The cluster the certificate names; an unknown hash; a malformed one.
    CHECK(r.get(t + "/clusters/{hash}", prefix + "/clusters/" + cert.body.value("cluster", bad_id)).status == 200);
    CHECK(r.get(t + "/clusters/{hash}", prefix + "/clusters/" + std::string(64, '0')).status == 404);
    CHECK(r.get(t + "/clusters/{hash}", prefix + "/clusters/xyz").status == 400);
    // The account history of the first transfer's recipient; a bad limit is refused.
    const auto history = r.get(t + "/accounts/{address}/txs", prefix + "/accounts/" + to + "/txs?limit=1");
    CHECK(history.status == 200);
    if (history.body.value("more", false))
      CHECK(r.get(t + "/accounts/{address}/txs", prefix + "/accounts/" + to + "/txs?cursor=" + history.body.value("next", "")).status
            == 200);
    CHECK(r.get(t + "/accounts/{address}/txs", prefix + "/accounts/" + to + "/txs?limit=0").status == 400);
    CHECK(r.post(t + "/txs", prefix + "/txs", hex_body(tx)).status == 409);
    CHECK(r.post(t + "/txs", prefix + "/txs", R"({"hex": "zz"})").status == 400);
    CHECK(r.post(t + "/txs", prefix + "/txs", "a=b", "multipart/form-data; boundary=x").status == 415);
    CHECK(r.post(t + "/txs", prefix + "/txs", std::string(300 * 1024, ' ')).status == 413);
    CHECK(r.post(t + "/txs/batch", prefix + "/txs/batch",
                 json{{"txs", {transaction_hex(prefix == "/v1" ? batch_tx : tx), "zz"}}}.dump())
            .status == 200);
    CHECK(r.post(t + "/txs/batch", prefix + "/txs/batch", "[]").status == 400);
  }
  // Access control (the dev genesis: the registry authority is the global admin).
  const auto& admin = shared_network().registry_authority;
  const auto& user = shared_network().accounts[0];
  const auto user_addr = format_address(address_of(user.pub));
  for (const std::string prefix : {"/v1", "/v1/chains/1"}) {
    const std::string t = prefix == "/v1" ? "/v1" : "/v1/chains/{chain}";
    CHECK(r.get(t + "/access/scopes/{scope}", prefix + "/access/scopes/global").status == 200);
    CHECK(r.get(t + "/access/scopes/{scope}", prefix + "/access/scopes/fund_group:7").status == 401);
    CHECK(r.get_signed(t + "/access/scopes/{scope}", prefix + "/access/scopes/fund_group:7", user).status == 403);
    CHECK(r.get_signed(t + "/access/scopes/{scope}", prefix + "/access/scopes/fund_group:7", admin).status == 200);
    CHECK(r.get(t + "/access/scopes/{scope}", prefix + "/access/scopes/galaxy").status == 400);
    const std::string account = t + "/access/accounts/{address}";
    CHECK(r.get_signed(account, prefix + "/access/accounts/" + user_addr, user).status == 200);
    CHECK(r.get(account, prefix + "/access/accounts/" + user_addr).status == 401);
    CHECK(r.get_signed(account, prefix + "/access/accounts/" + format_address(address_of(admin.pub)), user).status
          == 403);
    CHECK(r.get(account, prefix + "/access/accounts/bfd00").status == 400);
    const std::string check = t + "/access/check/{address}/{scope}/{permission}";
    CHECK(r.get(check, prefix + "/access/check/" + user_addr + "/global/admin").status == 200);
    CHECK(r.get_signed(check, prefix + "/access/check/" + user_addr + "/service:3/read?min_level=0", user).status
          == 200);
    CHECK(r.get(check, prefix + "/access/check/" + user_addr + "/service:3/read").status == 401);
    CHECK(r.get(check, prefix + "/access/check/" + user_addr + "/global/fly").status == 400);
  }
  {
    transaction grant;
    grant.chain = mainchain_id;
    grant.nonce = 0;
    grant.expiry = 10'000;
    // By an account that never sent anything (nonce 0 is fresh): refused for want of admin.
    const auto& outsider = shared_network().accounts[1];
    grant.payload = acl_grant_tx{acl::scope::global(), address_of(outsider.pub), acl::bit(acl::permission::admin), ""};
    sign_transaction(grant, outsider, hash256{});
    CHECK(r.post("/v1/txs", "/v1/txs", hex_body(grant)).status == 403);
  }
  // Chains this node does not host, and malformed chain ids.
  CHECK(r.get("/v1/chains/{chain}/info", "/v1/chains/2/info").status == 404);
  CHECK(r.get("/v1/chains/{chain}/info", "/v1/chains/99999999999/info").status == 400);
  CHECK(r.post("/v1/chains/{chain}/txs", "/v1/chains/2/txs", hex_body(tx)).status == 404);
  // Anchoring proofs: sidechain 2 is registered, not anchored here (tests/http/anchor_test.cpp
  // checks a served proof against the spec).
  CHECK(r.get("/v1/chains/{chain}/anchor/{height}", "/v1/chains/2/anchor/1").status == 404);
  CHECK(r.get("/v1/chains/{chain}/anchor/{height}", "/v1/chains/2/anchor/x").status == 400);
  // Peg messages: none sent here (tests/actors/peg_bridge_test.cpp and the integration test
  // carry real ones).
  CHECK(r.get("/v1/peg/messages/{id}", "/v1/peg/messages/1:0").status == 404);
  CHECK(r.get("/v1/peg/messages/{id}", "/v1/peg/messages/1-0").status == 400);
  // The peg ledger's totals: this node's mainchain has the peg, nothing escrowed (the
  // integration test tests/integration/fund_lifecycle_test.sh reads real escrows); chain 2 is not
  // hosted here.
  CHECK(r.get("/v1/peg", "/v1/peg").status == 200);
  CHECK(r.get("/v1/chains/{chain}/peg", "/v1/chains/1/peg").status == 200);
  CHECK(r.get("/v1/chains/{chain}/peg", "/v1/chains/2/peg").status == 404);
  // Contracts: this chain has no contracts module, so every route is a 404 (kind_not_enabled);
  // malformed ids are 400 (tests/integration/contracts_three_nodes_test.sh reads real answers).
  for (const std::string prefix : {"/v1", "/v1/chains/1"}) {
    const std::string t = prefix == "/v1" ? "/v1" : "/v1/chains/{chain}";
    CHECK(r.get(t + "/contracts/templates", prefix + "/contracts/templates").status == 404);
    CHECK(r.get(t + "/contracts/templates/after/{id}", prefix + "/contracts/templates/after/" + bad_id).status == 404);
    CHECK(r.get(t + "/contracts/templates/after/{id}", prefix + "/contracts/templates/after/xyz").status == 400);
    CHECK(r.get(t + "/contracts/templates/{id}", prefix + "/contracts/templates/" + bad_id).status == 404);
    CHECK(r.get(t + "/contracts/templates/{id}", prefix + "/contracts/templates/xyz").status == 400);
    CHECK(r.get(t + "/contracts/{address}", prefix + "/contracts/" + to).status == 404);
    CHECK(r.get(t + "/contracts/{address}", prefix + "/contracts/bfd00").status == 400);
    CHECK(r.get(t + "/contracts/{address}/events", prefix + "/contracts/" + to + "/events").status == 404);
    CHECK(r.get(t + "/contracts/{address}/events/{from}", prefix + "/contracts/" + to + "/events/0").status == 404);
    CHECK(r.get(t + "/contracts/{address}/events/{from}", prefix + "/contracts/" + to + "/events/x").status == 400);
    // A contract's state is a signed read: checked before the chain is asked.
    const std::string state = t + "/contracts/{address}/state";
    CHECK(r.get(state, prefix + "/contracts/" + to + "/state").status == 401);
    CHECK(r.get_signed(state, prefix + "/contracts/" + to + "/state", user).status == 404);
    CHECK(r.get_signed(state, prefix + "/contracts/" + to + "/state?after=00ff", user).status == 404);
    CHECK(r.get(state, prefix + "/contracts/" + to + "/state?after=zz").status == 400);
    CHECK(r.get(state, prefix + "/contracts/" + to + "/state?before=00").status == 400);
    CHECK(r.get(state, prefix + "/contracts/bfd00/state").status == 400);
    const std::string value = t + "/contracts/{address}/state/{key}";
    CHECK(r.get(value, prefix + "/contracts/" + to + "/state/00").status == 401);
    CHECK(r.get_signed(value, prefix + "/contracts/" + to + "/state/00", user).status == 404);
    CHECK(r.get(value, prefix + "/contracts/" + to + "/state/" + std::string(130, 'a')).status == 400);
  }
  // DS metadata: the mainchain has none (tests/tools/ds_cli_node_test.sh reads a fund chain's).
  for (const std::string prefix : {"/v1", "/v1/chains/1"}) {
    const std::string t = prefix == "/v1" ? "/v1" : "/v1/chains/{chain}";
    CHECK(r.get(t + "/ds", prefix + "/ds").status == 404);
    CHECK(r.get(t + "/ds/{section}", prefix + "/ds/rates").status == 404);
    // The members are a signed read, checked before the chain is asked.
    CHECK(r.get(t + "/ds/{section}/{from}", prefix + "/ds/members/0").status == 401);
    CHECK(r.get_signed(t + "/ds/{section}/{from}", prefix + "/ds/members/0", user).status == 404);
    CHECK(r.get_signed(t + "/ds/{section}", prefix + "/ds/members", user).status == 404);
  }
  // Funds: the mainchain has no funds module (tests/tools/fund_cli_node_test.sh reads a fund chain's).
  for (const std::string prefix : {"/v1", "/v1/chains/1"}) {
    const std::string t = prefix == "/v1" ? "/v1" : "/v1/chains/{chain}";
    CHECK(r.get(t + "/funds", prefix + "/funds").status == 404);
    CHECK(r.get(t + "/funds/holders", prefix + "/funds/holders").status == 404);
  }
  // The service registry: the dev mainchain has one, with no service yet
  // (tests/integration/service_cli_test.sh reads real services).
  for (const std::string prefix : {"/v1", "/v1/chains/1"}) {
    const std::string t = prefix == "/v1" ? "/v1" : "/v1/chains/{chain}";
    CHECK(r.get(t + "/services", prefix + "/services").status == 200);
    CHECK(r.get(t + "/services", prefix + "/services?from=x").status == 400);
    CHECK(r.get(t + "/services/{service}", prefix + "/services/1").status == 404);
    CHECK(r.get(t + "/services/{service}", prefix + "/services/x1").status == 400);
    CHECK(r.get(t + "/services/{service}/resolve/{chain_id}", prefix + "/services/1/resolve/2").status == 404);
    CHECK(r.get(t + "/services/{service}/resolve/{chain_id}", prefix + "/services/x/resolve/2").status == 400);
  }

  // Health figures (docs/service-triage.md): no calls to this address, but final blocks to count.
  for (const std::string prefix : {"/v1", "/v1/chains/1"}) {
    const std::string t = prefix == "/v1" ? "/v1" : "/v1/chains/{chain}";
    const auto ok = r.get(t + "/health", prefix + "/health?contract=" + to + "&from=1");
    CHECK_MESSAGE(ok.status == 200, ok.text);
    CHECK(ok.body["calls"] == 0);
    CHECK(ok.body["blocks"].get<std::uint64_t>() >= 1);
    CHECK(r.get(t + "/health", prefix + "/health?contract=" + to).status == 400);
    CHECK(r.get(t + "/health", prefix + "/health?contract=bfd00&from=1").status == 400);
    CHECK(r.get(t + "/health", prefix + "/health?contract=" + to + "&from=999999").status == 400);
    CHECK(r.get(t + "/health", prefix + "/health?contract=" + to + "&from=1&to=5000").status == 400);
    CHECK(r.get(t + "/health", prefix + "/health?contract=" + to + "&from=1&color=red").status == 400);
  }

  // The handshake mailbox (docs/membership-proofs.md section 9): one session through every slot,
  // and the refusals each route documents.
  {
    const std::string hs = "/v1/handshakes", one = "/v1/handshakes/{id}";
    const auto opened = r.post(hs, hs, json{{"to", to}, {"message", "01aa"}}.dump());
    REQUIRE_MESSAGE(opened.status == 201, opened.text);
    const auto id = opened.body["id"].get<std::string>();
    CHECK(opened.body["reply"].is_null());
    CHECK(r.post(hs, hs, json{{"to", to}}.dump()).status == 400);
    CHECK(r.post(hs, hs, json{{"to", to}, {"message", std::string(1026, 'a')}}.dump()).status == 400);
    const auto listed = r.get(hs, hs + "?to=" + to);
    CHECK(listed.status == 200);
    CHECK(listed.body["sessions"].size() == 1);
    CHECK(r.get(hs, hs).status == 400);
    CHECK(r.get(one, hs + "/" + id).status == 200);
    CHECK(r.get(one, hs + "/" + std::string(32, '0')).status == 404);
    CHECK(r.get(one, hs + "/xyz").status == 400);
    CHECK(r.post(one + "/finish", hs + "/" + id + "/finish", json{{"message", "01"}}.dump()).status == 409);
    CHECK(r.post(one + "/reply", hs + "/" + id + "/reply", json{{"message", "02bb"}}.dump()).status == 200);
    CHECK(r.post(one + "/reply", hs + "/" + id + "/reply", json{{"message", "02bb"}}.dump()).status == 409);
    CHECK(r.post(one + "/reply", hs + "/" + std::string(32, '0') + "/reply", json{{"message", "02"}}.dump()).status == 404);
    CHECK(r.post(one + "/finish", hs + "/" + id + "/finish", json{{"message", "zz"}}.dump()).status == 400);
    CHECK(r.post(one + "/finish", hs + "/" + id + "/finish", json{{"message", "03cc"}}.dump()).status == 200);
    CHECK(r.post(one + "/payment", hs + "/" + std::string(32, '1') + "/payment", json{{"message", "04"}}.dump()).status == 404);
    CHECK(r.post(one + "/payment", hs + "/" + id + "/payment", json{{"message", "04"}, {"x", 1}}.dump()).status == 400);
    const auto paid = r.post(one + "/payment", hs + "/" + id + "/payment", json{{"message", "04dd"}}.dump());
    CHECK(paid.status == 200);
    CHECK(paid.body["payment"] == "04dd");
    CHECK(r.post(one + "/payment", hs + "/" + id + "/payment", json{{"message", "04dd"}}.dump()).status == 409);
  }

  // Credential groups: the dev mainchain has the authority module, with no group yet.
  for (const std::string prefix : {"/v1", "/v1/chains/1"}) {
    const std::string t = (prefix == "/v1" ? "/v1" : "/v1/chains/{chain}") + std::string("/authority/groups/{group}");
    CHECK(r.get(t, prefix + "/authority/groups/" + std::string(64, 'a')).status == 404);
    CHECK(r.get(t, prefix + "/authority/groups/" + std::string(63, 'a')).status == 400);
    CHECK(r.get(t, prefix + "/authority/groups/" + std::string(64, 'a') + "?color=red").status == 400);
  }

  test::temp_dir dir;
  const auto file = (dir.path / "exchanges.json").string();
  std::ofstream(file) << r.exchanges.dump(1);
  const auto [status, output] = run("python3 " BFD_SOURCE_DIR "/tests/http/openapi_check.py " BFD_SOURCE_DIR
                                    "/docs/openapi.yaml " + file);
  CHECK_MESSAGE(status == 0, output);
}
