// docs/formats.md section 17's worked example, rebuilt by the code: the kind-28 and kind-30
// payloads, the records a registration writes (keys and the version record), and the health
// gate's reason for the example report.
#include <doctest/doctest.h>

#include "chains/codec/canonical.hpp"
#include "chains/services/services_state.hpp"
#include "chains/state/services_codec.hpp"
#include "tests/docs/formats_doc.hpp"

using namespace bfd;
using namespace bfd::services;

namespace {

template <class P>
std::string payload_hex(const P& p) {
  bytes out;
  codec::writer w(out);
  codec::encode_payload(p, w);
  return to_hex(out);
}

address filled(byte b) {
  address a;
  a.data.fill(b);
  return a;
}

service_register_tx example_registration() {
  service_register_tx p;
  p.uuid = *fixed_from_hex<16>("0123456789abcdef0123456789abcdef");
  p.symbol = "EXCH";
  p.home = 2;
  p.deployments = {2, 3};
  p.instances = {{2, filled(0x22)}, {3, filled(0x33)}};
  p.commission = commission{commission_kind::percent, 250, {}, 0, {}};
  return p;
}

} // namespace

TEST_CASE("section 17's worked example: the payloads, the records of a registration, the gate's reason") {
  const auto reg = payload_hex(example_registration());
  CHECK(reg.size() == 2 * 105);
  CHECK(test::doc_has("```\n" + reg + "\n```"));
  const service_health_tx h{1, 2, 2, 10, 20, 15, 12, 0, 80};
  CHECK(test::doc_has("`" + payload_hex(h) + "`"));

  const auto who = address_of(test::keys_of(1).pub);
  const std::vector<address> admins{who};
  const std::vector<std::pair<address, acl::permission_mask>> grants{{who, acl::bit(acl::permission::register_service)}};
  auto access = acl::access_state::genesis(admins, grants);
  REQUIRE(access);
  services_state s;
  REQUIRE(s.apply(who, example_registration(), env{5, &*access}));
  const auto& recs = s.records().records();
  REQUIRE(recs.size() == 3);
  std::vector<std::string> keys;
  for (const auto& [k, v] : recs)
    keys.push_back(to_hex(k));
  CHECK(keys == std::vector<std::string>{"530000000000000001", "550123456789abcdef0123456789abcdef",
                                         "56000000000000000100000001"});
  for (const auto& k : keys)
    CHECK_MESSAGE(test::doc_has("`" + k + "`"), k);
  CHECK(test::doc_has("with value `" + to_hex(std::next(recs.begin())->second) + "`"));  // the uuid index
  const auto version = to_hex(std::prev(recs.end())->second);
  CHECK(version.size() == 2 * 57);
  CHECK(test::doc_has("```\n" + version + "\n```"));

  rollout r;
  r.version = 2;
  r.canary = 2;
  r.canary_height = 7;
  r.gate.min_calls = 5;
  r.gate.max_failed_permille = 100;
  const auto d = decide(r, h, 8);
  REQUIRE(d);
  CHECK(test::doc_has("reason `" + d->reason + "`"));
}
