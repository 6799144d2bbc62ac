// JSON mapping of the service registry: its payloads (addresses as "bfd…", uuids as hex,
// commissions as {"kind": ...}) and the read views the HTTP edge serves: a service, a page of
// services, and which version and contract a chain runs at a height (docs/services.md).
#pragma once

#include <string_view>
#include <type_traits>

#include "chains/services/services_state.hpp"
#include "chains/state/services_tx.hpp"
#include "protocols/json_fields.hpp"

namespace bfd {

/// "uuid", "symbol", "dapp", "home", "deployments", "instances", "template", "commission".
void payload_to_json(json_fields::output& j, const service_register_tx& p);
/// "service", "instances", "template", "commission", "canary", "delay", "window", "min_calls",
/// "max_failed_permille", "max_missed_blocks", "max_latency_ms", "promote_delay".
void payload_to_json(json_fields::output& j, const service_upgrade_tx& p);
/// "service", "version", "report_chain" (the chain reported on: "chain" is the transaction's),
/// "from_height", "to_height", "calls", "failed_calls", "missed_blocks", "latency_p99_ms".
void payload_to_json(json_fields::output& j, const service_health_tx& p);
/// "service", "reason".
void payload_to_json(json_fields::output& j, const service_rollback_tx& p);
/// "service", "status".
void payload_to_json(json_fields::output& j, const service_set_status_tx& p);

result<service_register_tx> payload_from_json(const json_fields::input& j, std::type_identity<service_register_tx>);
result<service_upgrade_tx> payload_from_json(const json_fields::input& j, std::type_identity<service_upgrade_tx>);
result<service_health_tx> payload_from_json(const json_fields::input& j, std::type_identity<service_health_tx>);
result<service_rollback_tx> payload_from_json(const json_fields::input& j, std::type_identity<service_rollback_tx>);
result<service_set_status_tx> payload_from_json(const json_fields::input& j,
                                                std::type_identity<service_set_status_tx>);

bool payload_field(std::type_identity<service_register_tx>, std::string_view key);
bool payload_field(std::type_identity<service_upgrade_tx>, std::string_view key);
bool payload_field(std::type_identity<service_health_tx>, std::string_view key);
bool payload_field(std::type_identity<service_rollback_tx>, std::string_view key);
bool payload_field(std::type_identity<service_set_status_tx>, std::string_view key);

namespace services_json {

/// {"kind": "percent", "basis_points": n} | {"kind": "fixed", "amount", "amount_units"} |
/// {"kind": "expression", "expression": text} | {"kind": "wasm", "chain", "contract", "export"}.
json_fields::output commission_to_json(const services::commission& c);
result<services::commission> commission_from_json(const json_fields::input& j);
/// The command-line form: "percent:250", "fixed:1000" (base units), "expr:TEXT",
/// "wasm:CHAIN:ADDRESS:EXPORT".
result<services::commission> parse_commission(std::string_view text);

/// GET /v1/services/{id}: the service with its versions, schedule, the version live on each
/// deployment at `height`, its rollout and its health reports.
json_fields::output service_view(const services::services_state& s, const services::service& svc,
                                 std::uint64_t height);
/// GET /v1/services?from=ID: at most 100 services from id `from`, with "next" (or null).
json_fields::output list_view(const services::services_state& s, std::uint64_t from);
/// GET /v1/services/{id}/resolve/{chain}: the version live on `chain` at `height`, its contract
/// there, template and commission; not_found when no version is live there then.
result<json_fields::output> resolve_view(const services::services_state& s, const services::service& svc,
                                         std::uint32_t chain, std::uint64_t height);

} // namespace services_json

} // namespace bfd
