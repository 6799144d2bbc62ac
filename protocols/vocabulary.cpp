#include "protocols/vocabulary.hpp"
#include "protocols/directory.hpp"

#include "protocols/interfaces.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace bfd {

namespace {
constexpr caf::atom_value error_category = caf::atom("bfd");
constexpr std::uint8_t chain_error_code = 1;
} // namespace

caf::error to_caf_error(const error& err) {
  return caf::error(chain_error_code, error_category,
                    caf::make_message(static_cast<std::uint16_t>(err.code), err.detail));
}

error from_caf_error(const caf::error& err) {
  if (err.category() == error_category && err.context().match_elements<std::uint16_t, std::string>())
    return error{static_cast<errc>(err.context().get_as<std::uint16_t>(0)), err.context().get_as<std::string>(1)};
  return make_error(errc::io, caf::to_string(err));
}

void register_vocabulary(caf::actor_system_config& cfg) {
  cfg.add_message_type<tx_envelope>("bfd::tx");
  cfg.add_message_type<block_envelope>("bfd::block");
  cfg.add_message_type<confirmation_envelope>("bfd::confirmation");
  cfg.add_message_type<certificate_envelope>("bfd::certificate");
  cfg.add_message_type<std::vector<tx_envelope>>("std::vector<bfd::tx>");
  cfg.add_message_type<hash256>("bfd::hash256");
  cfg.add_message_type<std::vector<hash256>>("std::vector<bfd::hash256>");
  cfg.add_message_type<slot_info>("bfd::slot_info");
  cfg.add_message_type<build_request>("bfd::build_request");
  cfg.add_message_type<build_reply>("bfd::build_reply");
  cfg.add_message_type<tx_rejection>("bfd::tx_rejection");
  cfg.add_message_type<block_ack>("bfd::block_ack");
  cfg.add_message_type<inclusion_notice>("bfd::inclusion_notice");
  cfg.add_message_type<chain_info>("bfd::chain_info");
  register_interfaces(cfg);
  register_directory(cfg);
  cfg.add_error_category(error_category, [](std::uint8_t, caf::atom_value, const caf::message& ctx) -> std::string {
    if (ctx.match_elements<std::uint16_t, std::string>())
      return "bfd: " + error{static_cast<errc>(ctx.get_as<std::uint16_t>(0)), ctx.get_as<std::string>(1)}.message();
    return "bfd: " + caf::to_string(ctx);
  });
}

} // namespace bfd

namespace bfd {

void register_interfaces(caf::actor_system_config& cfg) {
  cfg.add_message_type<delegate_summary>("bfd::delegate_summary");
  cfg.add_message_type<std::vector<delegate_summary>>("std::vector<bfd::delegate_summary>");
  cfg.add_message_type<account_summary>("bfd::account_summary");
  cfg.add_message_type<sidechain_view>("bfd::sidechain_view");
  cfg.add_message_type<std::vector<sidechain_view>>("std::vector<bfd::sidechain_view>");
  cfg.add_message_type<anchor_evidence>("bfd::anchor_evidence");
  cfg.add_message_type<header_range>("bfd::header_range");
  cfg.add_message_type<peg_outbox_reply>("bfd::peg_outbox_reply");
  cfg.add_message_type<peg_message_view>("bfd::peg_message_view");
  cfg.add_message_type<peg_records_reply>("bfd::peg_records_reply");
  cfg.add_message_type<peg_timeout_reply>("bfd::peg_timeout_reply");
  cfg.add_message_type<peg_in_flight_reply>("bfd::peg_in_flight_reply");
  register_access_views(cfg);
  cfg.add_message_type<contract_answer>("bfd::contract_answer");
  cfg.add_message_type<json_view_reply>("bfd::json_view_reply");
  cfg.add_message_type<health_reply>("bfd::health_reply");
  cfg.add_message_type<service_rollout_view>("bfd::service_rollout_view");
  cfg.add_message_type<service_rollouts_reply>("bfd::service_rollouts_reply");
  cfg.add_message_type<bytes>("bfd::bytes");
  cfg.add_message_type<admission>("bfd::admission");
  cfg.add_message_type<tx_status>("bfd::tx_status");
  cfg.add_message_type<address>("bfd::address");
  cfg.add_message_type<mempool_actor>("bfd::mempool_actor");
  cfg.add_message_type<delegate_actor>("bfd::delegate_actor");
  cfg.add_message_type<chain_actor>("bfd::chain_actor");
}

void register_directory(caf::actor_system_config& cfg) {
  cfg.add_message_type<chain_handles>("bfd::chain_handles");
  cfg.add_message_type<std::vector<chain_handles>>("std::vector<bfd::chain_handles>");
  cfg.add_message_type<directory_actor>("bfd::directory_actor");
  cfg.add_message_type<cache_lookup>("bfd::cache_lookup");
  cfg.add_message_type<cache_shard_stats>("bfd::cache_shard_stats");
  cfg.add_message_type<cache_shard_actor>("bfd::cache_shard_actor");
  cfg.add_message_type<cache_shard>("bfd::cache_shard");
  cfg.add_message_type<std::vector<cache_shard>>("std::vector<bfd::cache_shard>");
  cfg.add_message_type<std::vector<std::uint64_t>>("std::vector<std::uint64_t>");
}

} // namespace bfd
