#include "chains/consensus/node_records.hpp"

#include <msgpack.hpp>

#include "chains/codec/block_codec.hpp"

namespace bfd {

bytes signing_record_key(chain_id chain, const public_key& key) {
  if (chain == mainchain_id)
    return bytes(key.begin(), key.end());
  bytes out{static_cast<std::uint8_t>(chain >> 24), static_cast<std::uint8_t>(chain >> 16),
            static_cast<std::uint8_t>(chain >> 8), static_cast<std::uint8_t>(chain)};
  out.insert(out.end(), key.begin(), key.end());
  return out;
}

std::optional<std::pair<chain_id, public_key>> parse_signing_record_key(byte_view key) {
  public_key pub;
  if (key.size() == pub.size()) {
    std::copy(key.begin(), key.end(), pub.begin());
    return std::pair{mainchain_id, pub};
  }
  if (key.size() != 4 + pub.size())
    return std::nullopt;
  const chain_id chain = (chain_id{key[0]} << 24) | (chain_id{key[1]} << 16) | (chain_id{key[2]} << 8) | key[3];
  if (chain == mainchain_id)
    return std::nullopt;  // the mainchain's records are keyed by the public key alone
  std::copy(key.begin() + 4, key.end(), pub.begin());
  return std::pair{chain, pub};
}

bool may_vote(const signing_record& r, std::uint64_t source_height, std::uint64_t target_height) noexcept {
  return target_height > source_height && target_height > r.vote_target_height
         && source_height >= r.vote_source_height;
}

bool may_sign_height(const signing_record& r, std::uint64_t slot, std::uint64_t height) noexcept {
  return r.signed_slot_plus_one != slot + 1 || height > r.signed_height;
}

} // namespace bfd

namespace bfd::codec {

namespace {

void write_signing_record(const signing_record& r, std::uint32_t form, bytes& out) {
  writer w(out);
  w.array(form);
  w.uint(r.signed_slot_plus_one);
  w.uint(r.signed_index);
  w.uint(r.vote_target_height);
  w.bin(r.vote_target);
  if (form >= 6) {
    w.uint(r.vote_source_height);
    w.bin(r.vote_source);
  }
  if (form == 7)
    w.uint(r.signed_height);
}

constexpr limits signing_record_limits{256, 8, 2};
constexpr limits justification_limits{std::size_t{1} << 30, 16'384, 4};  // blocks above the final one: a stall makes it long
constexpr std::uint32_t max_record_items = 8192;

} // namespace

bytes encode(const signing_record& r) {
  bytes out;
  write_signing_record(r, 7, out);
  return out;
}

result<signing_record> decode_signing_record(byte_view in) {
  return decode_canonical<signing_record>(
    in, signing_record_limits,
    [](const msgpack::object& o) -> result<signing_record> {
      std::uint32_t n = 0;
      auto f = reader(o, "signing record").array_up_to(7, n);
      if (!f)
        return f.error();
      if (n != 4 && n != 6 && n != 7)
        return make_error(errc::malformed, "signing record of " + std::to_string(n) + " items");
      auto a = reader((*f)[0], "slot").uint();
      auto b = reader((*f)[1], "index").uint();
      auto c = reader((*f)[2], "vote target height").uint();
      auto d = reader((*f)[3], "vote target").fixed<32>();
      if (!a || !b || !c || !d)
        return make_error(errc::malformed, "signing record");
      signing_record r{*a, *b, *c, *d, 0, {}, 0, n};
      if (n >= 6) {
        auto e = reader((*f)[4], "vote source height").uint();
        auto g = reader((*f)[5], "vote source").fixed<32>();
        if (!e || !g)
          return make_error(errc::malformed, "signing record");
        r.vote_source_height = *e;
        r.vote_source = *g;
      }
      if (n == 7) {
        auto h = reader((*f)[6], "signed height").uint();
        if (!h)
          return make_error(errc::malformed, "signing record");
        r.signed_height = *h;
      }
      return r;
    },
    [](const signing_record& r, bytes& out) { write_signing_record(r, r.form, out); });
}

bytes encode(const justification_record& r) {
  bytes out;
  writer w(out);
  w.array(2);
  w.array(static_cast<std::uint32_t>(r.blocks.size()));
  for (const auto& b : r.blocks)
    w.bin(encode(b));
  w.array(static_cast<std::uint32_t>(r.certificates.size()));
  for (const auto& c : r.certificates)
    w.bin(encode(c));
  return out;
}

result<justification_record> decode_justification_record(byte_view in) {
  return decode_canonical<justification_record>(
    in, justification_limits,
    [](const msgpack::object& o) -> result<justification_record> {
      auto f = reader(o, "justification record").array(2);
      if (!f)
        return f.error();
      justification_record r;
      std::uint32_t nb = 0, nc = 0;
      auto bs = reader((*f)[0], "blocks").array_up_to(max_record_items, nb);
      if (!bs)
        return bs.error();
      for (std::uint32_t i = 0; i < nb; ++i) {
        auto bin = reader((*bs)[i], "block").bin(block_limits.max_frame_bytes);
        if (!bin)
          return bin.error();
        auto b = decode_block(*bin);
        if (!b)
          return b.error();
        r.blocks.push_back(std::move(*b));
      }
      auto cs = reader((*f)[1], "certificates").array_up_to(max_record_items, nc);
      if (!cs)
        return cs.error();
      for (std::uint32_t i = 0; i < nc; ++i) {
        auto bin = reader((*cs)[i], "certificate").bin(1u << 20);
        if (!bin)
          return bin.error();
        auto c = decode_certificate(*bin);
        if (!c)
          return c.error();
        r.certificates.push_back(std::move(*c));
      }
      return r;
    },
    [](const justification_record& r, bytes& out) { out = encode(r); });
}

} // namespace bfd::codec
