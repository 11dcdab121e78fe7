# ferry_add_plugin(<name> SOURCES <src>... [LINK <lib>...] [OUTPUT_DIRECTORY <dir>] [NO_INSTALL])
#
# Builds a ferry plugin: a MODULE library named ferry-<name>.so that links the SDK's C++ layer,
# exports nothing but the entry point (ferry_plugin_entry_v1), and refuses undefined symbols at
# link time. The in-tree plugins use this same function (see docs/sdk.md).
function(ferry_add_plugin name)
  cmake_parse_arguments(ARG "NO_INSTALL" "OUTPUT_DIRECTORY" "SOURCES;LINK" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "ferry_add_plugin(${name}): SOURCES is required")
  endif()
  set(target ferry_plugin_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE FerrySDK::sdk ${ARG_LINK})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "ferry-${name}"
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    CXX_STANDARD 20
    CXX_STANDARD_REQUIRED ON)
  # Hidden visibility leaves weak template instantiations exported; the version script makes the
  # entry point the only dynamic symbol, so two plugins can never bind to each other's code.
  set(map "${CMAKE_BINARY_DIR}/ferry_plugin_exports.map")
  if(NOT EXISTS "${map}")
    file(WRITE "${map}" "{ global: ferry_plugin_entry_v1; local: *; };\n")
  endif()
  target_link_options(${target} PRIVATE "LINKER:--no-undefined" "LINKER:--version-script=${map}")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${map}")
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  elseif(DEFINED FERRY_BUILD_PLUGIN_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${FERRY_BUILD_PLUGIN_DIR}")
  endif()
  if(COMMAND ferry_set_warnings)
    ferry_set_warnings(${target})
  endif()
  if(NOT ARG_NO_INSTALL AND DEFINED FERRY_INSTALL_PLUGIN_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION "${FERRY_INSTALL_PLUGIN_DIR}")
  endif()
endfunction()
