#include "chains/codec/block_codec.hpp"

#include <msgpack.hpp>

#include "chains/codec/transaction_codec.hpp"

namespace bfd::codec {

namespace {

constexpr std::uint32_t unsigned_fields = 13;
constexpr std::uint32_t signed_fields = unsigned_fields + 1;

void encode_fields(const block_header& h, writer& w) {
  w.uint(block_header::format_version);
  w.uint(h.chain);
  w.uint(h.height);
  w.uint(h.round);
  w.uint(h.slot);
  w.bin(h.producer);
  w.bin(h.parent);
  w.uint(h.timestamp_ms);
  w.bin(h.tx_root);
  w.bin(h.state_root);
  w.bin(h.outbox_root);
  w.bin(h.reveal);
  w.uint(h.work_nonce);
}

// Reads field i of the header as an unsigned integer or a fixed byte string.
struct field_reader {
  const msgpack::object* f;
  error err;
  bool ok = true;

  std::uint64_t uint(std::size_t i, const char* name) {
    if (!ok)
      return 0;
    auto v = reader(f[i], name).uint();
    if (!v) {
      ok = false;
      err = v.error();
      return 0;
    }
    return *v;
  }
  template <std::size_t N>
  fixed_bytes<N> fixed(std::size_t i, const char* name) {
    if (!ok)
      return {};
    auto v = reader(f[i], name).fixed<N>();
    if (!v) {
      ok = false;
      err = v.error();
      return {};
    }
    return *v;
  }
};

} // namespace

void encode_unsigned(const block_header& header, bytes& out) {
  writer w(out);
  w.array(unsigned_fields);
  encode_fields(header, w);
}

void encode(const block_header& header, bytes& out) {
  writer w(out);
  w.array(signed_fields);
  encode_fields(header, w);
  w.bin(header.sig);
}

bytes encode(const block_header& header) {
  bytes out;
  out.reserve(400);
  encode(header, out);
  return out;
}

void encode(const block& b, bytes& out) {
  writer w(out);
  w.array(2);
  encode(b.header, out);
  w.array(static_cast<std::uint32_t>(b.txs.size()));
  for (const auto& tx : b.txs)
    encode(tx, out);
}

bytes encode(const block& b) {
  bytes out;
  out.reserve(400 + 160 * b.txs.size());
  encode(b, out);
  return out;
}

result<block_header> read_block_header(const msgpack::object& obj) {
  auto items = reader(obj, "header").array(signed_fields);
  if (!items)
    return items.error();
  field_reader r{*items, {}};
  auto version = r.uint(0, "header.version");
  if (r.ok && version != block_header::format_version)
    return make_error(errc::unsupported_version, "header version " + std::to_string(version));
  block_header h;
  auto chain = r.uint(1, "header.chain");
  if (r.ok && chain > UINT32_MAX)
    return make_error(errc::malformed, "header.chain: over 32 bits");
  h.chain = static_cast<chain_id>(chain);
  h.height = r.uint(2, "header.height");
  h.round = r.uint(3, "header.round");
  h.slot = r.uint(4, "header.slot");
  h.producer = r.fixed<32>(5, "header.producer");
  h.parent = r.fixed<32>(6, "header.parent");
  h.timestamp_ms = r.uint(7, "header.timestamp");
  h.tx_root = r.fixed<32>(8, "header.tx_root");
  h.state_root = r.fixed<32>(9, "header.state_root");
  h.outbox_root = r.fixed<32>(10, "header.outbox_root");
  h.reveal = r.fixed<32>(11, "header.reveal");
  h.work_nonce = r.uint(12, "header.work_nonce");
  h.sig = r.fixed<64>(13, "header.signature");
  if (!r.ok)
    return r.err;
  return h;
}

result<block_header> decode_block_header(byte_view in) {
  return decode_canonical<block_header>(
    in, header_limits, [](const msgpack::object& o) { return read_block_header(o); },
    [](const block_header& h, bytes& out) { encode(h, out); });
}

result<block> decode_block(byte_view in) {
  auto read_block = [](const msgpack::object& o) -> result<block> {
    auto items = reader(o, "block").array(2);
    if (!items)
      return items.error();
    block b;
    auto header = read_block_header((*items)[0]);
    if (!header)
      return header.error();
    b.header = std::move(*header);
    std::uint32_t count = 0;
    auto txs = reader((*items)[1], "block.txs").array_up_to(block_limits.max_array_items, count);
    if (!txs)
      return txs.error();
    b.txs.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      auto tx = read_transaction((*txs)[i]);
      if (!tx) {
        auto err = tx.error();
        err.detail = "tx " + std::to_string(i) + ": " + err.detail;
        return err;
      }
      b.txs.push_back(std::move(*tx));
    }
    return b;
  };
  return decode_canonical<block>(in, block_limits, read_block,
                                 [](const block& b, bytes& out) { encode(b, out); });
}

} // namespace bfd::codec
