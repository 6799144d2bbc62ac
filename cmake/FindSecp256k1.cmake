# Finds libsecp256k1 (Debian libsecp256k1-dev) with its schnorrsig module.
# Defines the imported target secp256k1::secp256k1.
find_path(SECP256K1_INCLUDE_DIR secp256k1_schnorrsig.h)
find_library(SECP256K1_LIBRARY secp256k1)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Secp256k1 REQUIRED_VARS SECP256K1_INCLUDE_DIR SECP256K1_LIBRARY)
if(Secp256k1_FOUND AND NOT TARGET secp256k1::secp256k1)
  add_library(secp256k1::secp256k1 UNKNOWN IMPORTED)
  set_target_properties(secp256k1::secp256k1 PROPERTIES
    IMPORTED_LOCATION "${SECP256K1_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${SECP256K1_INCLUDE_DIR}")
endif()
mark_as_advanced(SECP256K1_INCLUDE_DIR SECP256K1_LIBRARY)
