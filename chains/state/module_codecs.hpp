// Every module's payload codec, for the transaction codec's dispatch (one line per module).
#pragma once

#include "chains/state/consensus_codec.hpp"
#include "chains/state/token_codec.hpp"
#include "chains/state/registry_codec.hpp"
#include "chains/state/peg_codec.hpp"
#include "chains/state/access_codec.hpp"
#include "chains/state/contract_codec.hpp"
#include "chains/state/dsmeta_codec.hpp"
#include "chains/state/funds_codec.hpp"
#include "chains/state/services_codec.hpp"
#include "chains/state/authority_codec.hpp"
