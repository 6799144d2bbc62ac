// Fuzz target: what a node reads back from its own storage — a state module's records (restore()
// of the peg, contracts, services, DS metadata, funds and authority modules) and the delegates'
// signing and justification records — on arbitrary bytes, as a damaged or tampered database
// would hand them over. The first byte picks the reader. Properties: no crash, no undefined
// behaviour, a clean error for what does not restore; a module that restored gives back records
// that restore a fresh module to the same root; a node record that decodes re-encodes to exactly
// the input.
//
// Record list encoding (the fuzzer's own framing, not a storage format): repeated
// [key length: 1 byte][key][value length: 2 bytes big-endian][value], at most 64 records;
// a truncated tail ends the list.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "chains/authority/authority_module.hpp"
#include "chains/consensus/node_records.hpp"
#include "chains/contracts/contract_module.hpp"
#include "chains/dsmeta/dsmeta_module.hpp"
#include "chains/funds/funds_module.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/services/services_module.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using records = std::vector<std::pair<bfd::bytes, bfd::bytes>>;

records split(bfd::byte_view in) {
  records out;
  std::size_t at = 0;
  while (out.size() < 64 && at < in.size()) {
    const std::size_t klen = in[at++];
    if (at + klen + 2 > in.size())
      break;
    bfd::bytes key(in.begin() + at, in.begin() + at + klen);
    at += klen;
    const std::size_t vlen = (std::size_t{in[at]} << 8) | in[at + 1];
    at += 2;
    if (at + vlen > in.size())
      break;
    out.emplace_back(std::move(key), bfd::bytes(in.begin() + at, in.begin() + at + vlen));
    at += vlen;
  }
  return out;
}

std::unique_ptr<bfd::state_module> fresh(std::uint8_t which) {
  using namespace bfd;
  constexpr chain_id chain = 8;
  switch (which % 6) {
    case 0: return std::make_unique<peg_module>(chain, nullptr);
    case 1: return std::make_unique<contracts_module>();
    case 2: return std::make_unique<services_module>();
    case 3: return dsmeta_module::make(chain);
    case 4: return std::make_unique<funds_module>(funds::funds_state{});
    default: return authority_module::make();
  }
}

void check_module(std::uint8_t which, bfd::byte_view in) {
  auto m = fresh(which);
  const auto recs = split(in);
  if (!m->restore(recs))
    return;  // refused with an error: what a damaged store must get
  // What restored comes back out as records that restore a fresh module to the same root.
  m->mark_all_dirty();
  records again;
  for (auto& [key, value] : m->dirty_records())
    if (value)
      again.emplace_back(key, *value);
  std::sort(again.begin(), again.end());
  auto second = fresh(which);
  const auto restored = second->restore(again);
  bfd::fuzz::require(static_cast<bool>(restored), "a restored module's own records restore a fresh module");
  bfd::fuzz::require(second->root() == m->root(), "a module restored from its own records has the same root");
}

template <class Decode>
void check_record(bfd::byte_view in, Decode decode, const char* what) {
  auto v = decode(in);
  if (!v) {
    bfd::fuzz::require(bfd::fuzz::is_decoding_error(v.error()), what);
    return;
  }
  bfd::fuzz::require(bfd::fuzz::same_bytes(bfd::codec::encode(*v), in), "a decoded node record re-encodes to exactly the input");
}

} // namespace

/// libFuzzer entry point: one input, aborting on a violated property.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bfd;
  if (size == 0)
    return 0;
  const byte_view in{data + 1, size - 1};
  const std::uint8_t pick = data[0] % 8;
  if (pick < 6)
    check_module(pick, in);
  else if (pick == 6)
    check_record(in, codec::decode_signing_record, "signing record: decoding reason");
  else
    check_record(in, codec::decode_justification_record, "justification record: decoding reason");
  return 0;
}
