// The JSON forms of the many-chains view of the HTTP API: a hosted chain's summary
// (GET /v1/chains), a finality certificate (GET /v1/certificate) and a cluster (GET /v1/clusters/{hash}).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "chains/consensus/confirmation.hpp"
#include "protocols/directory.hpp"
#include "protocols/interfaces.hpp"
#include "protocols/json.hpp"

namespace bfd {

/// A hosted chain: id, kind name, name, token, status, head and final block, and the keys of its
/// validators (the delegates in the active cluster, in key order).
json_object chain_summary_json(const chain_handles& handles, const chain_info& info,
                               const std::vector<delegate_summary>& delegates);

/// The same with the status the mainchain's registry gives the chain ("registered", "active",
/// "ceased"; "active" for the mainchain and for chains the registry does not list).
json_object chain_summary_json(const chain_handles& handles, const chain_info& info,
                               const std::vector<delegate_summary>& delegates, std::string_view status);

/// A registered sidechain (GET /v1/sidechains): its entry's identity, parameters and validator
/// keys, its status with the mainchain heights of each change, its genesis hash and its latest
/// anchored header.
json_object sidechain_json(const sidechain_view& view);

/// The registry status of chain `id` among `views`: "active" for a chain they do not list.
std::string_view registry_status(const std::vector<sidechain_view>& views, std::uint32_t id);

/// A hosted chain whose actors did not answer: id, kind, name, token and the given status.
json_object chain_summary_json(const chain_handles& handles, std::string_view status);

/// A finality certificate: chain, source and target checkpoints, the cluster hash, whether it
/// proves the source final, and each signer's key and signature.
json_object certificate_json(const finality_certificate& cert);

/// A finality cluster (GET /v1/clusters/{hash}): its cluster_hash, its power, and its members in
/// selection order (the order cluster_hash commits to) with key, address, category and power.
json_object cluster_json(chain_id chain, const cluster& c);

} // namespace bfd
