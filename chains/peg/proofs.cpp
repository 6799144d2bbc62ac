#include "chains/peg/proofs.hpp"

#include <fmt/format.h>

#include "chains/codec/block_codec.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/peg/peg_ledger.hpp"

namespace bfd::peg {

hash256 state_opening::state_root() const {
  if (modules.empty())
    return tagged_hash(hash_tag::state, ledger_root.view(), consensus_root.view());
  bytes all(ledger_root.begin(), ledger_root.end());
  all.insert(all.end(), consensus_root.begin(), consensus_root.end());
  for (const auto& [id, root] : modules) {
    all.push_back(id);
    all.insert(all.end(), root.begin(), root.end());
  }
  return tagged_hash(hash_tag::state, all);
}

peg_opening make_peg_opening(state_opening state, const hash256& receipt_root, const hash256& ledger_root,
                             std::uint64_t next_sequence) {
  return {std::move(state), receipt_root, ledger_root, next_sequence};
}

namespace {

// `top` is final for `client`: it is the client's latest header, or the certificate proves it
// final (checked on a copy: verification never advances the caller's client).
status check_final(const block_header& top, const finality_certificate& cert, const light_client& client) {
  if (header_hash(top) == header_hash(client.latest()))
    return {};
  if (top.chain == client.latest().chain && top.height <= client.latest().height)
    return make_error(errc::stale, fmt::format("header {} is at or below the client's latest final header {} and "
                                               "is not it: link it up to that header",
                                               top.height, client.latest().height));
  light_client copy = client;
  return copy.accept_final(top, cert);
}

// header -> links[0] -> ... each the child of the one before; returns the top.
result<const block_header*> follow_links(const delivery_bundle& b) {
  if (b.links.size() > max_header_links)
    return make_error(errc::bad_proof, fmt::format("more than {} header links", max_header_links));
  const block_header* prev = &b.header;
  for (const auto& h : b.links) {
    if (h.chain != prev->chain || h.height != prev->height + 1 || h.parent != header_hash(*prev))
      return make_error(errc::bad_parent, fmt::format("header link at height {} is not the child of the one before",
                                                      h.height));
    prev = &h;
  }
  return prev;
}

result<verified_entry> verify_entry(const delivery_bundle& b, const light_client& client, chain_id writer) {
  if (b.header.chain != writer)
    return make_error(errc::wrong_chain, fmt::format("header of chain {}, entry written by chain {}", b.header.chain,
                                                     writer));
  if (client.latest().chain != writer)
    return make_error(errc::wrong_chain, fmt::format("light client of chain {}, entry written by chain {}",
                                                     client.latest().chain, writer));
  if (auto st = verify_outbox_inclusion(b.header.outbox_root, b.entry, b.inclusion); !st)
    return st.error();
  auto top = follow_links(b);
  if (!top)
    return top.error();
  if (auto st = check_final(**top, b.certificate, client); !st)
    return st.error();
  return verified_entry{b.entry, writer, b.header.height, (*top)->height};
}

} // namespace

result<verified_entry> verify_message_delivery(const delivery_bundle& b, const light_client& client, chain_id local) {
  const auto* m = std::get_if<peg_message>(&b.entry);
  if (!m)
    return make_error(errc::bad_proof, "the bundle carries an acknowledgement, not a message");
  if (m->destination != local)
    return make_error(errc::wrong_chain, fmt::format("message for chain {} delivered to chain {}", m->destination,
                                                     local));
  return verify_entry(b, client, m->id.source);
}

result<verified_entry> verify_ack_delivery(const delivery_bundle& b, const light_client& client,
                                           const peg_message& sent) {
  const auto* a = std::get_if<peg_ack>(&b.entry);
  if (!a)
    return make_error(errc::bad_proof, "the bundle carries a message, not an acknowledgement");
  if (a->id != sent.id)
    return make_error(errc::bad_proof, "the acknowledgement is of another message");
  return verify_entry(b, client, sent.destination);
}

result<std::uint64_t> verify_timeout(const timeout_bundle& b, const light_client& client, const peg_message& sent) {
  if (b.id != sent.id)
    return make_error(errc::bad_proof, "the timeout proof is of another message");
  if (b.header.chain != sent.destination || client.latest().chain != sent.destination)
    return make_error(errc::wrong_chain, fmt::format("non-receipt must be shown on chain {}", sent.destination));
  if (!timed_out_at(sent.timeout_height, b.header.height))
    return make_error(errc::bad_proof, fmt::format("header {} is below the timeout height {}", b.header.height,
                                                   sent.timeout_height));
  if (auto st = check_final(b.header, b.certificate, client); !st)
    return st.error();
  const auto& o = b.opening;
  if (o.state.state_root() != b.header.state_root)
    return make_error(errc::bad_state_root, "the state opening does not give the header's state root");
  const hash256* peg_root = nullptr;
  for (std::size_t i = 0; i < o.state.modules.size(); ++i) {
    if (i > 0 && o.state.modules[i].first <= o.state.modules[i - 1].first)
      return make_error(errc::bad_proof, "state opening modules out of id order");
    if (o.state.modules[i].first == module_id_value)
      peg_root = &o.state.modules[i].second;
  }
  if (!peg_root)
    return make_error(errc::bad_proof, "the destination's state has no peg module");
  if (o.receipt_root.is_zero() || o.ledger_root.is_zero())
    return make_error(errc::bad_proof, "a zero root proves nothing");
  if (*peg_root != peg_module_root(o.receipt_root, o.ledger_root, o.next_sequence))
    return make_error(errc::bad_proof, "the peg opening does not give the peg module's root");
  if (auto st = verify_non_membership(o.receipt_root, receipt_key(sent.id), b.non_receipt); !st)
    return st.error();
  return b.header.height;
}

} // namespace bfd::peg

namespace bfd::codec {

namespace {

constexpr std::uint64_t bundle_version = 1;
constexpr std::size_t max_certificate_bytes = 64 * 1024;

void write_proof(const merkle_proof& p, writer& w) {
  w.array(3);
  w.uint(p.index);
  w.uint(p.leaf_count);
  w.array(static_cast<std::uint32_t>(p.siblings.size()));
  for (const auto& s : p.siblings)
    w.bin(s);
}

result<merkle_proof> read_proof(const msgpack::object& obj) {
  auto f = reader(obj, "inclusion proof").array(3);
  if (!f)
    return f.error();
  merkle_proof p;
  auto index = reader((*f)[0], "proof index").uint();
  auto count = reader((*f)[1], "proof leaf count").uint();
  if (!index)
    return index.error();
  if (!count)
    return count.error();
  p.index = *index;
  p.leaf_count = *count;
  std::uint32_t n = 0;
  auto s = reader((*f)[2], "proof siblings").array_up_to(64, n);
  if (!s)
    return s.error();
  p.siblings.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    auto h = reader((*s)[i], "proof sibling").fixed<32>();
    if (!h)
      return h.error();
    p.siblings.push_back(*h);
  }
  return p;
}

void write_header(const block_header& h, writer& w, bytes& out) {
  (void)w;
  encode(h, out);  // appends the header's own canonical array
}

result<finality_certificate> read_certificate(const msgpack::object& obj) {
  auto raw = reader(obj, "certificate").bin(max_certificate_bytes);
  if (!raw)
    return raw.error();
  auto c = decode_certificate(*raw);
  if (!c && static_cast<int>(c.error().code) / 100 != 1)
    return make_error(errc::malformed, "certificate: " + c.error().message());
  return c;
}

void write_certificate(const finality_certificate& c, writer& w) {
  w.bin(encode(c));
}

result<std::uint64_t> read_version(const msgpack::object& obj, const char* what) {
  auto v = reader(obj, what).uint();
  if (!v)
    return v.error();
  if (*v != bundle_version)
    return make_error(errc::unsupported_version, std::string(what) + " " + std::to_string(*v));
  return *v;
}

void write_bundle(const peg::delivery_bundle& b, bytes& out) {
  writer w(out);
  w.array(7);
  w.uint(bundle_version);
  w.uint(b.entry.index());
  if (const auto* m = std::get_if<peg::peg_message>(&b.entry))
    write(*m, w);
  else
    write(std::get<peg::peg_ack>(b.entry), w);
  write_proof(b.inclusion, w);
  write_header(b.header, w, out);
  w.array(static_cast<std::uint32_t>(b.links.size()));
  for (const auto& h : b.links)
    write_header(h, w, out);
  write_certificate(b.certificate, w);
}

result<peg::delivery_bundle> read_bundle(const msgpack::object& obj) {
  auto f = reader(obj, "delivery bundle").array(7);
  if (!f)
    return f.error();
  if (auto v = read_version((*f)[0], "delivery bundle version"); !v)
    return v.error();
  auto kind = reader((*f)[1], "entry kind").uint();
  if (!kind)
    return kind.error();
  peg::delivery_bundle b;
  if (*kind == 0) {
    auto m = read_peg_message((*f)[2]);
    if (!m)
      return m.error();
    b.entry = std::move(*m);
  } else if (*kind == 1) {
    auto a = read_peg_ack((*f)[2]);
    if (!a)
      return a.error();
    b.entry = std::move(*a);
  } else {
    return make_error(errc::malformed, "entry kind: expected 0 (message) or 1 (acknowledgement)");
  }
  auto p = read_proof((*f)[3]);
  if (!p)
    return p.error();
  b.inclusion = std::move(*p);
  auto h = read_block_header((*f)[4]);
  if (!h)
    return h.error();
  b.header = std::move(*h);
  std::uint32_t n = 0;
  auto links = reader((*f)[5], "header links").array_up_to(peg::max_header_links, n);
  if (!links)
    return links.error();
  b.links.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    auto l = read_block_header((*links)[i]);
    if (!l)
      return l.error();
    b.links.push_back(std::move(*l));
  }
  auto c = read_certificate((*f)[6]);
  if (!c)
    return c.error();
  b.certificate = std::move(*c);
  return b;
}

void write_timeout(const peg::timeout_bundle& b, bytes& out) {
  writer w(out);
  w.array(7);
  w.uint(bundle_version);
  w.uint(b.id.source);
  w.uint(b.id.sequence);
  write_header(b.header, w, out);
  write_certificate(b.certificate, w);
  const auto& o = b.opening;
  w.array(6);
  w.bin(o.state.ledger_root);
  w.bin(o.state.consensus_root);
  w.array(static_cast<std::uint32_t>(o.state.modules.size()));
  for (const auto& [id, root] : o.state.modules) {
    w.array(2);
    w.uint(id);
    w.bin(root);
  }
  w.bin(o.receipt_root);
  w.bin(o.ledger_root);
  w.uint(o.next_sequence);
  write(b.non_receipt, w);
}

result<peg::timeout_bundle> read_timeout(const msgpack::object& obj) {
  auto f = reader(obj, "timeout bundle").array(7);
  if (!f)
    return f.error();
  if (auto v = read_version((*f)[0], "timeout bundle version"); !v)
    return v.error();
  peg::timeout_bundle b;
  auto source = reader((*f)[1], "source chain").uint();
  auto sequence = reader((*f)[2], "sequence").uint();
  if (!source)
    return source.error();
  if (!sequence)
    return sequence.error();
  if (*source > UINT32_MAX)
    return make_error(errc::malformed, "source chain: over 32 bits");
  b.id = {static_cast<chain_id>(*source), *sequence};
  auto h = read_block_header((*f)[3]);
  if (!h)
    return h.error();
  b.header = std::move(*h);
  auto c = read_certificate((*f)[4]);
  if (!c)
    return c.error();
  b.certificate = std::move(*c);
  auto o = reader((*f)[5], "peg opening").array(6);
  if (!o)
    return o.error();
  auto lr = reader((*o)[0], "ledger root").fixed<32>();
  auto cr = reader((*o)[1], "consensus root").fixed<32>();
  auto rr = reader((*o)[3], "receipt root").fixed<32>();
  auto pr = reader((*o)[4], "peg ledger root").fixed<32>();
  auto seq = reader((*o)[5], "next sequence").uint();
  if (!lr) return lr.error();
  if (!cr) return cr.error();
  if (!rr) return rr.error();
  if (!pr) return pr.error();
  if (!seq) return seq.error();
  b.opening.state.ledger_root = *lr;
  b.opening.state.consensus_root = *cr;
  b.opening.receipt_root = *rr;
  b.opening.ledger_root = *pr;
  b.opening.next_sequence = *seq;
  std::uint32_t n = 0;
  auto mods = reader((*o)[2], "opening modules").array_up_to(8, n);
  if (!mods)
    return mods.error();
  for (std::uint32_t i = 0; i < n; ++i) {
    auto pair = reader((*mods)[i], "opening module").array(2);
    if (!pair)
      return pair.error();
    auto id = reader((*pair)[0], "module id").uint();
    auto root = reader((*pair)[1], "module root").fixed<32>();
    if (!id)
      return id.error();
    if (!root)
      return root.error();
    if (*id > 255)
      return make_error(errc::malformed, "module id: over 8 bits");
    b.opening.state.modules.emplace_back(static_cast<std::uint8_t>(*id), *root);
  }
  auto p = read_smt_proof((*f)[6]);
  if (!p)
    return p.error();
  b.non_receipt = std::move(*p);
  return b;
}

} // namespace

bytes encode(const peg::delivery_bundle& b) {
  bytes out;
  write_bundle(b, out);
  return out;
}

result<peg::delivery_bundle> decode_delivery_bundle(byte_view in) {
  return decode_canonical<peg::delivery_bundle>(in, bundle_limits, read_bundle, write_bundle);
}

bytes encode(const peg::timeout_bundle& b) {
  bytes out;
  write_timeout(b, out);
  return out;
}

result<peg::timeout_bundle> decode_timeout_bundle(byte_view in) {
  return decode_canonical<peg::timeout_bundle>(in, bundle_limits, read_timeout, write_timeout);
}

} // namespace bfd::codec
