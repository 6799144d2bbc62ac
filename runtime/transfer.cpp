// Client-side construction and signing of transfers.
#include "runtime/transfer.hpp"

namespace bfd::runtime {

result<transaction> make_signed_transfer(const key_pair& keys, const transfer_request& request,
                                         const hash256& aux) {
  if (request.value == 0)
    return make_error(errc::zero_amount, "a transfer moves at least one base unit");
  if (!checked_add(request.value, request.fee))
    return make_error(errc::overflow, "amount plus fee exceed 2^64-1 base units");
  transaction tx;
  tx.chain = request.chain;
  tx.nonce = request.nonce;
  tx.fee = request.fee;
  tx.expiry = request.expiry;
  tx.payload = transfer_payload{request.to, request.value};
  sign_transaction(tx, keys, aux);
  return tx;
}

} // namespace bfd::runtime
