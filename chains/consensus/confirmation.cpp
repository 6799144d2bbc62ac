#include "chains/consensus/confirmation.hpp"

#include <set>

#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"

namespace bfd {

namespace {

std::string to_string_prefix(const public_key& k) {
  return to_hex(k).substr(0, 16);
}

constexpr std::uint64_t confirmation_version = 1;
constexpr codec::limits confirmation_limits{512, 8, 2};
// A certificate holds at most one signature per cluster member.
constexpr codec::limits certificate_limits{256 * 1024, 4096, 4};

void encode_body(const confirmation& c, codec::writer& w) {
  w.uint(confirmation_version);
  w.uint(c.chain);
  w.uint(c.height);
  w.bin(c.block);
}

} // namespace

hash256 confirmation_hash(const confirmation& c) {
  bytes buf;
  codec::writer w(buf);
  w.array(4);
  encode_body(c, w);
  return tagged_hash(hash_tag::confirmation, buf);
}

void sign_confirmation(confirmation& c, const key_pair& keys, const hash256& aux) {
  c.signer = keys.pub;
  c.sig = sign(keys, confirmation_hash(c), aux);
}

bool verify_confirmation(const confirmation& c) {
  return verify(c.signer, confirmation_hash(c).view(), c.sig);
}

status verify_certificate(const finality_certificate& cert, const cluster& signers_cluster) {
  std::set<public_key> seen;
  amount power = 0;
  for (const auto& s : cert.signatures) {
    const auto* member = signers_cluster.find(s.signer);
    if (!member)
      return make_error(errc::bad_confirmation, "signer " + to_string_prefix(s.signer) + " is not in the cluster");
    if (!seen.insert(s.signer).second)
      return make_error(errc::bad_confirmation, "signer appears twice");
    confirmation c{cert.chain, cert.height, cert.block, s.signer, s.sig};
    if (!verify_confirmation(c))
      return make_error(errc::bad_confirmation, "bad signature by " + to_string_prefix(s.signer));
    power += member->power;
  }
  if (!exceeds_two_thirds(power, signers_cluster.power))
    return make_error(errc::not_final, "signers hold " + std::to_string(power) + " of "
                                         + std::to_string(signers_cluster.power) + " power");
  return {};
}

namespace codec {

void encode(const confirmation& c, bytes& out) {
  writer w(out);
  w.array(6);
  encode_body(c, w);
  w.bin(c.signer);
  w.bin(c.sig);
}

bytes encode(const confirmation& c) {
  bytes out;
  encode(c, out);
  return out;
}

namespace {

result<confirmation> read_confirmation(const msgpack::object& o) {
  auto f = reader(o, "confirmation").array(6);
  if (!f)
    return f.error();
  auto version = reader((*f)[0], "confirmation.version").uint();
  if (!version)
    return version.error();
  if (*version != confirmation_version)
    return make_error(errc::unsupported_version, "confirmation version " + std::to_string(*version));
  auto chain = reader((*f)[1], "confirmation.chain").uint();
  auto height = reader((*f)[2], "confirmation.height").uint();
  auto block = reader((*f)[3], "confirmation.block").fixed<32>();
  auto signer = reader((*f)[4], "confirmation.signer").fixed<32>();
  auto sig = reader((*f)[5], "confirmation.signature").fixed<64>();
  if (!chain) return chain.error();
  if (*chain > UINT32_MAX) return make_error(errc::malformed, "confirmation.chain: over 32 bits");
  if (!height) return height.error();
  if (!block) return block.error();
  if (!signer) return signer.error();
  if (!sig) return sig.error();
  return confirmation{static_cast<chain_id>(*chain), *height, *block, *signer, *sig};
}

} // namespace

result<confirmation> decode_confirmation(byte_view in) {
  return decode_canonical<confirmation>(in, confirmation_limits, read_confirmation,
                                        [](const confirmation& c, bytes& out) { encode(c, out); });
}

void encode(const finality_certificate& c, bytes& out) {
  writer w(out);
  w.array(5);
  w.uint(confirmation_version);
  w.uint(c.chain);
  w.uint(c.height);
  w.bin(c.block);
  w.array(static_cast<std::uint32_t>(c.signatures.size()));
  for (const auto& s : c.signatures) {
    w.array(2);
    w.bin(s.signer);
    w.bin(s.sig);
  }
}

bytes encode(const finality_certificate& c) {
  bytes out;
  encode(c, out);
  return out;
}

result<finality_certificate> decode_certificate(byte_view in) {
  auto read = [](const msgpack::object& o) -> result<finality_certificate> {
    auto f = reader(o, "certificate").array(5);
    if (!f)
      return f.error();
    auto version = reader((*f)[0], "certificate.version").uint();
    if (!version)
      return version.error();
    if (*version != confirmation_version)
      return make_error(errc::unsupported_version, "certificate version");
    auto chain = reader((*f)[1], "certificate.chain").uint();
    auto height = reader((*f)[2], "certificate.height").uint();
    auto block = reader((*f)[3], "certificate.block").fixed<32>();
    if (!chain) return chain.error();
    if (*chain > UINT32_MAX) return make_error(errc::malformed, "certificate.chain: over 32 bits");
    if (!height) return height.error();
    if (!block) return block.error();
    std::uint32_t count = 0;
    auto sigs = reader((*f)[4], "certificate.signatures").array_up_to(certificate_limits.max_array_items, count);
    if (!sigs)
      return sigs.error();
    finality_certificate cert{static_cast<chain_id>(*chain), *height, *block, {}};
    for (std::uint32_t i = 0; i < count; ++i) {
      auto pair = reader((*sigs)[i], "certificate.signature").array(2);
      if (!pair)
        return pair.error();
      auto signer = reader((*pair)[0], "certificate.signer").fixed<32>();
      auto sig = reader((*pair)[1], "certificate.sig").fixed<64>();
      if (!signer) return signer.error();
      if (!sig) return sig.error();
      cert.signatures.push_back({*signer, *sig});
    }
    return cert;
  };
  return decode_canonical<finality_certificate>(in, certificate_limits, read,
                                                [](const finality_certificate& c, bytes& out) { encode(c, out); });
}

} // namespace codec

} // namespace bfd
