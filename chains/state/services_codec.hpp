// Canonical encoding of the service registry's payloads (layout in docs/formats.md section 17:
// 28 [uuid, symbol, dapp, home, [deployments], [[chain, contract]...], template, commission],
// 29 [service, [[chain, contract]...], template, commission, canary, delay, window, min_calls,
// max_failed_permille, max_missed_blocks, max_latency_ms, promote_delay], 30 [service, version,
// chain, from, to, calls, failed, missed, latency], 31 [service, reason], 32 [service, status]).
#pragma once

#include <type_traits>

#include "chains/codec/canonical.hpp"
#include "chains/state/services_tx.hpp"

namespace bfd::codec {

void encode_payload(const service_register_tx& p, writer& w);
void encode_payload(const service_upgrade_tx& p, writer& w);
void encode_payload(const service_health_tx& p, writer& w);
void encode_payload(const service_rollback_tx& p, writer& w);
void encode_payload(const service_set_status_tx& p, writer& w);
result<service_register_tx> read_payload(const msgpack::object& obj, std::type_identity<service_register_tx>);
result<service_upgrade_tx> read_payload(const msgpack::object& obj, std::type_identity<service_upgrade_tx>);
result<service_health_tx> read_payload(const msgpack::object& obj, std::type_identity<service_health_tx>);
result<service_rollback_tx> read_payload(const msgpack::object& obj, std::type_identity<service_rollback_tx>);
result<service_set_status_tx> read_payload(const msgpack::object& obj, std::type_identity<service_set_status_tx>);

/// A commission: [0, bp] | [1, amount] | [2, text] | [3, chain, contract, export]. Shared by the
/// payloads and the registry's stored versions.
void write_commission(const services::commission& c, writer& w);
/// Bounded read of a commission (kind known, text within its bound).
result<services::commission> read_commission(const msgpack::object& obj);
/// Instances: [[chain, contract] ...], at most services::max_deployments.
void write_instances(const std::vector<services::instance>& list, writer& w);
result<std::vector<services::instance>> read_instances(const msgpack::object& obj);

} // namespace bfd::codec
