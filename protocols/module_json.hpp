// Every module's payload JSON mapping, for json.cpp's dispatch (one line per module).
#pragma once

#include "protocols/consensus_json.hpp"
#include "protocols/token_json.hpp"
#include "protocols/registry_json.hpp"
#include "protocols/peg_json.hpp"
#include "protocols/access_json.hpp"
#include "protocols/contract_json.hpp"
#include "protocols/dsmeta_json.hpp"
#include "protocols/funds_json.hpp"
#include "protocols/services_json.hpp"
#include "protocols/authority_json.hpp"
