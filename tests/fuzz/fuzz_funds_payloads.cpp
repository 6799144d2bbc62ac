// Fuzz target: the funds module's decoders on arbitrary bytes: its four payloads (reason codes,
// exact re-encoding) and its stored records (funds_state::restore: storage_corrupt or a state
// that re-encodes to the same records). The first byte picks the decoder.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "chains/funds/funds_state.hpp"
#include "chains/state/funds_codec.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

template <class T>
void check_payload(bfd::byte_view in, const char* what) {
  using namespace bfd;
  auto v = codec::decode_canonical<T>(
    in, codec::limits{4096, 16, 4},
    [](const msgpack::object& obj) { return codec::read_payload(obj, std::type_identity<T>{}); },
    [](const T& p, bytes& out) {
      codec::writer w(out);
      codec::encode_payload(p, w);
    });
  if (!v) {
    fuzz::require(fuzz::is_decoding_error(v.error()), what);
    return;
  }
  bytes again;
  codec::writer w(again);
  codec::encode_payload(*v, w);
  fuzz::require(fuzz::same_bytes(again, in), "a decoded funds payload re-encodes to exactly the input");
}

// Records as [key length byte, key, value length byte, value]*.
void check_records(bfd::byte_view in) {
  using namespace bfd;
  std::vector<std::pair<bytes, bytes>> records;
  std::size_t i = 0;
  while (i < in.size()) {
    const std::size_t kn = in[i++];
    if (i + kn > in.size())
      break;
    bytes k(in.begin() + i, in.begin() + i + kn);
    i += kn;
    if (i >= in.size())
      break;
    const std::size_t vn = in[i++];
    if (i + vn > in.size())
      break;
    records.emplace_back(std::move(k), bytes(in.begin() + i, in.begin() + i + vn));
    i += vn;
  }
  std::sort(records.begin(), records.end());
  records.erase(std::unique(records.begin(), records.end(),
                            [](const auto& a, const auto& b) { return a.first == b.first; }),
                records.end());
  auto s = funds::funds_state::restore(records);
  if (!s) {
    fuzz::require(s.error().code == errc::storage_corrupt, "funds records: storage_corrupt");
    return;
  }
  fuzz::require(s->records().size() == records.size(), "restored records are the input's");
  auto again = funds::funds_state::restore(std::vector<std::pair<bytes, bytes>>(s->records().begin(), s->records().end()));
  fuzz::require(again && *again == *s, "a restored state restores again to itself");
  (void)s->totals();
  (void)s->holders(address{}, 100);
}

} // namespace

/// libFuzzer entry point: one input, aborting on a violated property.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bfd;
  if (size == 0)
    return 0;
  const byte_view in{data + 1, size - 1};
  switch (data[0] % 5) {
    case 0: check_payload<fund_subscribe_tx>(in, "fund_subscribe: decoding reason"); break;
    case 1: check_payload<fund_trade_tx>(in, "fund_trade: decoding reason"); break;
    case 2: check_payload<fund_sweep_tx>(in, "fund_sweep: decoding reason"); break;
    case 3: check_payload<fund_redeem_tx>(in, "fund_redeem: decoding reason"); break;
    default: check_records(in); break;
  }
  return 0;
}
