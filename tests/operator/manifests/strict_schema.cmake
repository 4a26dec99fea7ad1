# ctest script: render every sample and testdata LogStack with render_manifests
# and validate every object strictly (unknown fields are errors, every kind
# must have an official schema) with tests/crds/strict_validate.cjs.
#   cmake -DRENDER=... -DNODE=... -DVALIDATOR=... -DSOURCE_DIR=... -DOUT_DIR=... -P strict_schema.cmake
file(GLOB_RECURSE inputs
  ${SOURCE_DIR}/config/samples/*.yaml
  ${SOURCE_DIR}/tests/operator/manifests/testdata/*.yaml)
list(FILTER inputs EXCLUDE REGEX "kustomization\\.yaml$")
list(SORT inputs)
list(LENGTH inputs n)
if(n EQUAL 0)
  message(FATAL_ERROR "no LogStack inputs found under ${SOURCE_DIR}")
endif()

file(REMOVE_RECURSE ${OUT_DIR})
execute_process(COMMAND ${RENDER} ${OUT_DIR} ${inputs} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "render_manifests failed (${rc})")
endif()
file(GLOB outputs ${OUT_DIR}/*.yaml)
list(LENGTH outputs m)
if(m EQUAL 0)
  message(FATAL_ERROR "render_manifests wrote nothing")
endif()
message(STATUS "validating ${m} rendered files")
execute_process(COMMAND ${NODE} ${VALIDATOR} --strict-kinds ${outputs} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "strict schema validation failed (${rc})")
endif()
