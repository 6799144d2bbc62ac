// genesis.json is read strictly (numbers, unknown members, the consensus rules with the file's
// name) and written durably; a --dev directory whose creation was cut short opens, one whose
// registry key was lost is refused.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/dev_network.hpp"
#include "runtime/genesis_file.hpp"
#include "tests/chains/network_fixture.hpp"
#include "tests/temp_dir.hpp"

using namespace bfd;
namespace fs = std::filesystem;

namespace {

// The genesis text with the first occurrence of `from` replaced by `to`.
std::string edit(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

std::string refusal(const std::string& text) {
  auto g = runtime::parse_genesis_json(text);
  REQUIRE_FALSE(g);
  return g.error().detail;
}

} // namespace

TEST_CASE("genesis numbers must be non-negative integers within their field's range") {
  test::network net;
  const auto text = runtime::genesis_json(net.config);
  REQUIRE(runtime::parse_genesis_json(text));
  const auto miss = "\"miss_limit\": " + std::to_string(net.config.params.miss_limit);
  CHECK(refusal(edit(text, miss, "\"miss_limit\": -1")) == "genesis.params.miss_limit: expected a non-negative integer, got -1");
  const auto slot = "\"slot_ms\": " + std::to_string(net.config.params.slot_ms);
  CHECK(refusal(edit(text, slot, "\"slot_ms\": 1000.7")).find("genesis.params.slot_ms: expected a non-negative integer") == 0);
  CHECK(refusal(edit(text, miss, "\"miss_limit\": 4294967296")) == "genesis.params.miss_limit: 4294967296 is above the field's maximum 4294967295");
  const auto chain = "\"chain\": " + std::to_string(net.config.chain);
  CHECK(refusal(edit(text, chain, "\"chain\": \"1\"")) == "genesis.chain: expected a non-negative integer, got \"1\"");
}

TEST_CASE("genesis members the format does not define are refused, naming them") {
  test::network net;
  const auto text = runtime::genesis_json(net.config);
  CHECK(refusal(edit(text, "\"params\": {", "\"servics\": {}, \"params\": {")) == "genesis: unknown member \"servics\"");
  CHECK(refusal(edit(text, "\"slot_ms\"", "\"slot_msec\": 1, \"slot_ms\"")) == "genesis.params: unknown member \"slot_msec\"");
  CHECK(refusal(edit(text, "\"compute_weight\"", "\"weight\": 1, \"compute_weight\"")) == "genesis.params.categories[]: unknown member \"weight\"");
  CHECK(refusal(edit(text, "\"allocations\": [", "\"allocations\": {}, \"x\": [")).find("genesis") == 0);
  CHECK(refusal(edit(text, "\"vms\": [", "\"vms\": 7, \"y\": [")).find("genesis") == 0);
}

TEST_CASE("the consensus rules on a genesis are checked when the file is read, naming it") {
  test::network net;
  const auto slot = "\"slot_ms\": " + std::to_string(net.config.params.slot_ms);
  const auto text = edit(runtime::genesis_json(net.config), slot, "\"slot_ms\": 0");
  CHECK(refusal(text) == "genesis: slot_ms and rounds_per_epoch must be at least 1");
  test::temp_dir dir;
  const auto path = (fs::path(dir.path) / "genesis.json").string();
  std::ofstream(path) << text;
  auto g = runtime::read_genesis_file(path);
  REQUIRE_FALSE(g);
  CHECK(g.error().detail == path + ": genesis: slot_ms and rounds_per_epoch must be at least 1");
}

TEST_CASE("a genesis file is written whole, with no temporary file left, and reads back equal") {
  test::network net;
  test::temp_dir dir;
  const auto path = (fs::path(dir.path) / "genesis.json").string();
  REQUIRE(runtime::write_genesis_file(path, net.config));
  CHECK_FALSE(fs::exists(path + ".tmp"));
  auto back = runtime::read_genesis_file(path);
  REQUIRE(back);
  CHECK(runtime::genesis_json(*back) == runtime::genesis_json(net.config));
  // A stale temporary file from a crash is overwritten, not appended to.
  std::ofstream(path + ".tmp") << "garbage that is longer than nothing";
  REQUIRE(runtime::write_genesis_file(path, net.config));
  CHECK(runtime::read_genesis_file(path));
}

TEST_CASE("a --dev directory whose creation stopped before genesis.json opens with the keys it made") {
  test::temp_dir dir;
  runtime::dev_options o;
  o.data_dir = dir.path.string();
  o.delegates = 3;
  o.accounts = 1;
  o.sidechains = 0;
  auto first = runtime::prepare_dev_network(o, 1'700'000'000'000);
  REQUIRE(first);
  // As if the process died after the keys and before the genesis file.
  fs::remove(fs::path(dir.path) / "genesis.json");
  auto again = runtime::prepare_dev_network(o, 1'700'000'000'000);
  REQUIRE(again);
  CHECK(again->delegates.at(0).keys.pub == first->delegates.at(0).keys.pub);
  CHECK(again->registry_authority.pub == first->registry_authority.pub);
  CHECK(fs::exists(fs::path(dir.path) / "genesis.json"));
}

TEST_CASE("a --dev directory whose registry key was lost is refused, naming the file") {
  test::temp_dir dir;
  runtime::dev_options o;
  o.data_dir = dir.path.string();
  o.delegates = 3;
  o.accounts = 1;
  o.sidechains = 0;
  REQUIRE(runtime::prepare_dev_network(o, 1'700'000'000'000));
  const auto key = fs::path(dir.path) / "keys" / "registry.json";
  fs::remove(key);
  auto reopened = runtime::prepare_dev_network(o, 1'700'000'000'000);
  REQUIRE_FALSE(reopened);
  CHECK(reopened.error().detail.find(key.string() + " does not hold the registry authority") == 0);
}
