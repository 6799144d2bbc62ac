#include "chains/consensus/light_client.hpp"

#include "chains/crypto/hash.hpp"

namespace bfd {

state_proof make_state_proof(const chain_state& st) {
  state_proof p{st.accounts().state_root(), st.consensus().root_parts(), {}};
  for (const auto& m : st.state_modules())
    if (auto r = m->root())
      p.modules.emplace_back(static_cast<std::uint8_t>(m->id()), *r);
  return p;
}

status light_client::trust_from(const block_header& header, const state_proof& proof) {
  const auto consensus_root = consensus_state::root_of(proof.consensus);
  // The formula of chain_state::state_root.
  hash256 root;
  if (proof.modules.empty()) {
    root = tagged_hash(hash_tag::state, proof.ledger_root.view(), consensus_root.view());
  } else {
    bytes all(proof.ledger_root.begin(), proof.ledger_root.end());
    all.insert(all.end(), consensus_root.begin(), consensus_root.end());
    for (const auto& [id, r] : proof.modules) {
      all.push_back(static_cast<byte>(id));
      all.insert(all.end(), r.begin(), r.end());
    }
    root = tagged_hash(hash_tag::state, all);
  }
  if (root != header.state_root)
    return make_error(errc::bad_proof, "the state proof does not reproduce the header's state root");
  auto st = consensus_state::restore(proof.consensus.scalars, {});
  if (!st)
    return make_error(errc::bad_proof, "state proof: " + st.error().message());
  if (st->params().categories.empty() || header.chain != chain_)
    return make_error(errc::bad_proof, "state proof of another chain");
  // The clusters of this final state replace what was trusted: blocks after it are confirmed by
  // its active cluster, and after the next epoch boundary by its next one.
  trusted_.clear();
  trusted_.emplace(cluster_hash(st->active()), st->active());
  trusted_.emplace(cluster_hash(st->next()), st->next());
  return {};
}

result<light_client> light_client::start(const block_header& trusted, const state_proof& proof) {
  light_client c;
  c.chain_ = trusted.chain;
  c.latest_ = trusted;
  if (auto st = c.trust_from(trusted, proof); !st)
    return st.error();
  return c;
}

status light_client::accept_final(const block_header& header, const finality_certificate& cert) {
  if (header.chain != chain_ || cert.chain != chain_)
    return make_error(errc::wrong_chain, "header or certificate of another chain");
  if (header.height <= latest_.height)
    return make_error(errc::stale, "not above the latest final header");
  if (!cert.proves_final() || cert.source != header_hash(header) || cert.source_height != header.height)
    return make_error(errc::bad_proof, "the certificate does not prove this header final");
  auto c = trusted_.find(cert.cluster);
  if (c == trusted_.end())
    return make_error(errc::bad_proof, "the certificate names a cluster this client does not trust");
  if (auto st = verify_certificate(cert, c->second); !st)
    return st;
  latest_ = header;
  return {};
}

status light_client::accept_handoff(const block_header& header, const finality_certificate& cert,
                                    const state_proof& proof) {
  const auto before = latest_;
  if (auto st = accept_final(header, cert); !st)
    return st;
  if (auto st = trust_from(header, proof); !st) {
    latest_ = before;
    return st;
  }
  return {};
}

} // namespace bfd
