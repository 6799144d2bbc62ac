#include "chains/consensus/confirmation.hpp"

#include <set>

#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"

namespace bfd {

namespace {

std::string to_string_prefix(const public_key& k) {
  return to_hex(k).substr(0, 16);
}

// Version 2: votes name a source (the finality gadget); version 1 confirmations named a block only.
constexpr std::uint64_t confirmation_version = 2;
constexpr codec::limits confirmation_limits{512, 8, 2};
// A certificate holds at most one signature per cluster member.
constexpr codec::limits certificate_limits{256 * 1024, 4096, 4};

constexpr std::uint32_t body_fields = 6;

void encode_body(const confirmation& c, codec::writer& w) {
  w.uint(confirmation_version);
  w.uint(c.chain);
  w.uint(c.source_height);
  w.bin(c.source);
  w.uint(c.height);
  w.bin(c.block);
}

} // namespace

hash256 confirmation_hash(const confirmation& c) {
  bytes buf;
  codec::writer w(buf);
  w.array(body_fields);
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

vote_offence vote_conflict(const confirmation& a, const confirmation& b) noexcept {
  if (a.signer != b.signer || a.chain != b.chain || a == b)
    return vote_offence::none;
  if (a.height == b.height && (a.block != b.block || a.source != b.source || a.source_height != b.source_height))
    return vote_offence::double_vote;
  auto inside = [](const confirmation& outer, const confirmation& inner) {
    return outer.source_height < inner.source_height && inner.height < outer.height;
  };
  if (inside(a, b) || inside(b, a))
    return vote_offence::surround_vote;
  return vote_offence::none;
}

hash256 cluster_hash(const cluster& c) {
  bytes buf;
  codec::writer w(buf);
  w.array(2);
  codec::encode_members(c, w);
  w.uint(c.power);
  return tagged_hash(hash_tag::cluster, buf);
}

status verify_certificate(const finality_certificate& cert, const cluster& signers_cluster) {
  if (cert.height <= cert.source_height)
    return make_error(errc::bad_confirmation, "certificate target is not above its source");
  if (cert.cluster != cluster_hash(signers_cluster))
    return make_error(errc::bad_confirmation, "certificate names another cluster");
  std::set<public_key> seen;
  amount power = 0;
  for (const auto& s : cert.signatures) {
    const auto* member = signers_cluster.find(s.signer);
    if (!member)
      return make_error(errc::bad_confirmation, "signer " + to_string_prefix(s.signer) + " is not in the cluster");
    if (!seen.insert(s.signer).second)
      return make_error(errc::bad_confirmation, "signer appears twice");
    confirmation c{cert.chain, cert.source_height, cert.source, cert.height, cert.block, s.signer, s.sig};
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
  w.array(body_fields + 2);
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
  auto f = reader(o, "vote").array(body_fields + 2);
  if (!f)
    return f.error();
  auto version = reader((*f)[0], "vote.version").uint();
  if (!version)
    return version.error();
  if (*version != confirmation_version)
    return make_error(errc::unsupported_version, "vote version " + std::to_string(*version));
  auto chain = reader((*f)[1], "vote.chain").uint();
  auto source_height = reader((*f)[2], "vote.source_height").uint();
  auto source = reader((*f)[3], "vote.source").fixed<32>();
  auto height = reader((*f)[4], "vote.height").uint();
  auto block = reader((*f)[5], "vote.block").fixed<32>();
  auto signer = reader((*f)[6], "vote.signer").fixed<32>();
  auto sig = reader((*f)[7], "vote.signature").fixed<64>();
  if (!chain) return chain.error();
  if (*chain > UINT32_MAX) return make_error(errc::malformed, "vote.chain: over 32 bits");
  if (!source_height) return source_height.error();
  if (!source) return source.error();
  if (!height) return height.error();
  if (!block) return block.error();
  if (!signer) return signer.error();
  if (!sig) return sig.error();
  if (*height <= *source_height)
    return make_error(errc::malformed, "vote: target height is not above the source height");
  return confirmation{static_cast<chain_id>(*chain), *source_height, *source, *height, *block, *signer, *sig};
}

} // namespace

result<confirmation> decode_confirmation(byte_view in) {
  return decode_canonical<confirmation>(in, confirmation_limits, read_confirmation,
                                        [](const confirmation& c, bytes& out) { encode(c, out); });
}

void encode(const finality_certificate& c, bytes& out) {
  writer w(out);
  w.array(8);
  w.uint(confirmation_version);
  w.uint(c.chain);
  w.uint(c.source_height);
  w.bin(c.source);
  w.uint(c.height);
  w.bin(c.block);
  w.bin(c.cluster);
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
    auto f = reader(o, "certificate").array(8);
    if (!f)
      return f.error();
    auto version = reader((*f)[0], "certificate.version").uint();
    if (!version)
      return version.error();
    if (*version != confirmation_version)
      return make_error(errc::unsupported_version, "certificate version");
    auto chain = reader((*f)[1], "certificate.chain").uint();
    auto source_height = reader((*f)[2], "certificate.source_height").uint();
    auto source = reader((*f)[3], "certificate.source").fixed<32>();
    auto height = reader((*f)[4], "certificate.height").uint();
    auto block = reader((*f)[5], "certificate.block").fixed<32>();
    auto named = reader((*f)[6], "certificate.cluster").fixed<32>();
    if (!chain) return chain.error();
    if (*chain > UINT32_MAX) return make_error(errc::malformed, "certificate.chain: over 32 bits");
    if (!source_height) return source_height.error();
    if (!source) return source.error();
    if (!height) return height.error();
    if (!block) return block.error();
    if (!named) return named.error();
    if (*height <= *source_height)
      return make_error(errc::malformed, "certificate: target height is not above the source height");
    std::uint32_t count = 0;
    auto sigs = reader((*f)[7], "certificate.signatures").array_up_to(certificate_limits.max_array_items, count);
    if (!sigs)
      return sigs.error();
    finality_certificate cert{static_cast<chain_id>(*chain), *source_height, *source, *height, *block, *named, {}};
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
