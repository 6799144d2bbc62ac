// The funds module's payload codec. Decoders read fixed-size arrays of integers and 20-byte
// addresses only (nothing is allocated from a length the input states); the module checks the rest.
#include "chains/state/funds_codec.hpp"

#include "chains/codec/field_reader.hpp"

namespace bfd::codec {

void encode_payload(const fund_subscribe_tx& p, writer& w) {
  w.array(1);
  w.uint(p.value);
}

void encode_payload(const fund_trade_tx& p, writer& w) {
  w.array(2);
  w.bin(p.buyer);
  w.uint(p.tokens);
}

void encode_payload(const fund_sweep_tx& p, writer& w) {
  w.array(2);
  w.bin(p.platform);
  w.uint(p.timeout_height);
}

void encode_payload(const fund_redeem_tx& p, writer& w) {
  w.array(1);
  w.uint(p.tokens);
}

result<fund_subscribe_tx> read_payload(const msgpack::object& obj, std::type_identity<fund_subscribe_tx>) {
  auto items = reader(obj, "fund_subscribe").array(1);
  if (!items)
    return items.error();
  field_reader f(*items);
  fund_subscribe_tx p;
  p.value = f.uint(0, "value");
  if (!f.ok())
    return f.err();
  return p;
}

result<fund_trade_tx> read_payload(const msgpack::object& obj, std::type_identity<fund_trade_tx>) {
  auto items = reader(obj, "fund_trade").array(2);
  if (!items)
    return items.error();
  field_reader f(*items);
  fund_trade_tx p;
  p.buyer = f.fixed<20>(0, "buyer");
  p.tokens = f.uint(1, "tokens");
  if (!f.ok())
    return f.err();
  return p;
}

result<fund_sweep_tx> read_payload(const msgpack::object& obj, std::type_identity<fund_sweep_tx>) {
  auto items = reader(obj, "fund_sweep").array(2);
  if (!items)
    return items.error();
  field_reader f(*items);
  fund_sweep_tx p;
  p.platform = f.fixed<20>(0, "platform");
  p.timeout_height = f.uint(1, "timeout_height");
  if (!f.ok())
    return f.err();
  return p;
}

result<fund_redeem_tx> read_payload(const msgpack::object& obj, std::type_identity<fund_redeem_tx>) {
  auto items = reader(obj, "fund_redeem").array(1);
  if (!items)
    return items.error();
  field_reader f(*items);
  fund_redeem_tx p;
  p.tokens = f.uint(0, "tokens");
  if (!f.ok())
    return f.err();
  return p;
}

} // namespace bfd::codec
