#include "chains/sidechain/anchoring_proof.hpp"

#include <algorithm>
#include <map>
#include <string>

namespace bfd {

namespace {

error broken(const std::string& what) {
  return make_error(errc::bad_proof, "anchoring proof: " + what);
}

} // namespace

result<anchored_block> verify_anchoring(const anchoring_proof& proof, const block_header& trusted_mainchain_final,
                                        const anchor_binding& anchor) {
  // Mainchain: the anchoring block is an ancestor of (or is) the trusted final header.
  if (proof.mainchain_links.size() > max_mainchain_links)
    return broken("more than " + std::to_string(max_mainchain_links) + " mainchain links");
  const block_header* below = &proof.mainchain_block;
  hash256 below_hash = header_hash(*below);
  for (const auto& h : proof.mainchain_links) {
    if (h.chain != below->chain || h.height != below->height + 1 || h.parent != below_hash)
      return broken("the mainchain links do not chain at height " + std::to_string(h.height));
    below = &h;
    below_hash = header_hash(h);
  }
  if (below->chain != trusted_mainchain_final.chain || below_hash != header_hash(trusted_mainchain_final))
    return broken("the mainchain links do not end at the trusted header");
  // The anchor transaction is in the anchoring block.
  if (!verify_merkle_proof(proof.mainchain_block.tx_root, anchor.entry, proof.inclusion))
    return broken("the anchor transaction is not in the anchoring block's tx root");
  // Sidechain: the proven block is an ancestor of (or is) the anchored header.
  if (proof.anchored.chain == trusted_mainchain_final.chain)
    return broken("the anchored header is of the mainchain");
  if (proof.sidechain_links.size() > registry_bounds::max_anchor_interval)
    return broken("more sidechain links than the longest anchor interval");
  const auto anchored_hash = header_hash(proof.anchored);
  if (anchored_hash != anchor.anchored_header)
    return broken("the anchored header is not the one the anchor transaction carries");
  for (std::size_t i = 0; i < proof.sidechain_links.size(); ++i) {
    const auto& h = proof.sidechain_links[i];
    const auto& above = i + 1 < proof.sidechain_links.size() ? proof.sidechain_links[i + 1] : proof.anchored;
    if (h.chain != proof.anchored.chain || above.height != h.height + 1 || above.parent != header_hash(h))
      return broken("the sidechain links do not chain at height " + std::to_string(h.height));
  }
  if (proof.sidechain_links.empty())
    return anchored_block{proof.anchored.chain, proof.anchored.height, anchored_hash};
  const auto& first = proof.sidechain_links.front();
  return anchored_block{first.chain, first.height, header_hash(first)};
}

status verify_anchoring(const anchoring_proof& proof, const block_header& trusted_mainchain_final,
                        const anchor_binding& anchor, const anchored_block& claim) {
  auto proven = verify_anchoring(proof, trusted_mainchain_final, anchor);
  if (!proven)
    return proven.error();
  if (!(*proven == claim))
    return broken("it proves another block (chain " + std::to_string(proven->chain) + ", height "
                  + std::to_string(proven->height) + ")");
  return {};
}

std::optional<std::vector<block_header>> sidechain_links(const std::vector<block_header>& headers,
                                                         std::uint64_t height, const block_header& anchored) {
  if (height > anchored.height || anchored.height - height > registry_bounds::max_anchor_interval)
    return std::nullopt;
  std::map<std::uint64_t, const block_header*> by_height;
  for (const auto& h : headers)
    if (h.chain == anchored.chain)
      by_height.emplace(h.height, &h);
  std::vector<block_header> out;
  hash256 expected_hash = anchored.parent;
  for (std::uint64_t hgt = anchored.height; hgt-- > height;) {
    auto it = by_height.find(hgt);
    if (it == by_height.end() || header_hash(*it->second) != expected_hash)
      return std::nullopt;
    out.push_back(*it->second);
    expected_hash = it->second->parent;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

} // namespace bfd
