// Test helper: a double-block evidence file of a key, as `bfd-cli evidence submit` reads it. It signs
// two different headers for one slot (chain, height, round, slot) with the key: a real double sign.
// Usage: bfd_evidence_fixture KEY_FILE CHAIN HEIGHT OUT [same]  ("same": the one header twice, bogus)
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "chains/codec/block_codec.hpp"
#include "chains/core/hex.hpp"
#include "chains/primitives/block.hpp"
#include "runtime/key_file.hpp"

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: bfd_evidence_fixture KEY_FILE CHAIN HEIGHT OUT [same]\n");
    return 2;
  }
  auto keys = bfd::runtime::read_key_file(argv[1]);
  if (!keys) {
    std::fprintf(stderr, "bfd_evidence_fixture: %s\n", keys.error().detail.c_str());
    return 1;
  }
  const bool same = argc == 6 && std::string(argv[5]) == "same";
  auto header = [&](std::uint64_t time_ms) {
    bfd::block_header h;
    h.chain = static_cast<bfd::chain_id>(std::strtoul(argv[2], nullptr, 10));
    h.height = std::strtoull(argv[3], nullptr, 10);
    h.round = h.height / 6;
    h.slot = h.height % 6;
    h.timestamp_ms = time_ms;
    h.parent.data.fill(0x11);
    bfd::sign_header(h, *keys, bfd::hash256{});
    return bfd::codec::encode(h);
  };
  const auto first = header(1'700'000'000'000);
  const auto second = header(same ? 1'700'000'000'000 : 1'700'000'000'001);
  std::ofstream out(argv[4]);
  out << "{\"evidence_kind\": \"double_block\", \"first\": \"" << bfd::to_hex(first) << "\", \"second\": \""
      << bfd::to_hex(second) << "\"}\n";
  return out.good() ? 0 : 1;
}
