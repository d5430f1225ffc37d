# Project-wide compiler settings, applied through the fleetlink_warnings interface target.
add_library(fleetlink_warnings INTERFACE)
target_compile_options(fleetlink_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow=local -Wno-missing-field-initializers)
if(FLEETLINK_WERROR)
  target_compile_options(fleetlink_warnings INTERFACE -Werror)
endif()
# GCC 12 at -O2/-O3 reports -Wrestrict inside libstdc++ for `"literal" + std::string` (GCC bug 105329), which
# under -Werror stops the release build; GCC 13 fixed it.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(fleetlink_warnings INTERFACE -Wno-restrict)
endif()

if(FLEETLINK_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  # ASan's instrumentation makes GCC 12 report -Wmaybe-uninitialized inside libstdc++ (std::regex, std::function)
  # at -O1; the warning stays on in the unsanitized builds, where it is meaningful.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
endif()
if(FLEETLINK_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  # GCC 12 warns that TSan does not model atomic_thread_fence, which Boost.Asio uses; under -Werror that would
  # stop every Asio translation unit.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-tsan)
  endif()
  add_link_options(-fsanitize=thread)
endif()

# The edge agent runs on small boards for months: in release builds its own code is optimised for size.
# Measured on the agent (docs/performance.md): 0.4 MiB less resident memory than -O3, and the backlog still
# drains at four times its target. fleetlink_edge_code is linked by the agent's libraries only.
add_library(fleetlink_edge_code INTERFACE)
target_compile_options(fleetlink_edge_code INTERFACE $<$<CONFIG:Release>:-Os>)

# Boost 1.74's Asio misses <utility> under GCC 12 in C++20 mode; targets using Asio/Beast link this.
add_library(fleetlink_asio INTERFACE)
target_compile_options(fleetlink_asio INTERFACE -include utility)
target_compile_definitions(fleetlink_asio INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)

# fleetlink_library(name SOURCES ... DEPS ...) declares one component library with the project's settings.
function(fleetlink_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE fleetlink_warnings ${ARG_PRIVATE_DEPS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()
