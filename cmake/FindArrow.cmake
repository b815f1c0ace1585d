# Finds Apache Arrow C++ and Parquet as shipped inside the official pyarrow wheel.
#
# Debian has no Arrow packages; scripts/bootstrap installs a pinned pyarrow into
# .deps/venv. This module asks that interpreter where the headers and shared
# libraries are (pyarrow.get_include(), pyarrow.get_library_dirs()), or takes
# ARROW_ROOT (a directory holding include/ and the libraries) when given.
#
# Defines imported targets Arrow::arrow, Arrow::parquet, Arrow::compute and
# Arrow::dataset, and ARROW_LIBRARY_DIR (used for the executables' RPATH).

set(_timecast_venv_python "${PROJECT_SOURCE_DIR}/.deps/venv/bin/python")
if(NOT ARROW_ROOT AND EXISTS "${_timecast_venv_python}")
  execute_process(
    COMMAND "${_timecast_venv_python}" -c
            "import pyarrow; print(pyarrow.get_library_dirs()[0])"
    OUTPUT_VARIABLE _arrow_root OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _arrow_rc)
  if(_arrow_rc EQUAL 0)
    set(ARROW_ROOT "${_arrow_root}" CACHE PATH "Directory of the pyarrow wheel (include/ and libarrow.so)")
  endif()
endif()

find_path(ARROW_INCLUDE_DIR arrow/api.h HINTS "${ARROW_ROOT}/include" NO_DEFAULT_PATH)
find_library(ARROW_LIBRARY NAMES arrow HINTS "${ARROW_ROOT}" NO_DEFAULT_PATH)
find_library(PARQUET_LIBRARY NAMES parquet HINTS "${ARROW_ROOT}" NO_DEFAULT_PATH)
find_library(ARROW_COMPUTE_LIBRARY NAMES arrow_compute HINTS "${ARROW_ROOT}" NO_DEFAULT_PATH)
find_library(ARROW_DATASET_LIBRARY NAMES arrow_dataset HINTS "${ARROW_ROOT}" NO_DEFAULT_PATH)
find_library(ARROW_ACERO_LIBRARY NAMES arrow_acero HINTS "${ARROW_ROOT}" NO_DEFAULT_PATH)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Arrow
  REQUIRED_VARS ARROW_INCLUDE_DIR ARROW_LIBRARY PARQUET_LIBRARY ARROW_COMPUTE_LIBRARY
  REASON_FAILURE_MESSAGE "run scripts/bootstrap (installs pyarrow into .deps/venv) or set ARROW_ROOT")

if(Arrow_FOUND)
  get_filename_component(ARROW_LIBRARY_DIR "${ARROW_LIBRARY}" DIRECTORY)
  foreach(_pair "arrow;ARROW_LIBRARY" "parquet;PARQUET_LIBRARY" "compute;ARROW_COMPUTE_LIBRARY"
                "acero;ARROW_ACERO_LIBRARY" "dataset;ARROW_DATASET_LIBRARY")
    list(GET _pair 0 _name)
    list(GET _pair 1 _var)
    if(${_var} AND NOT TARGET Arrow::${_name})
      add_library(Arrow::${_name} SHARED IMPORTED)
      # SYSTEM: Arrow's headers are not ours to hold to our warning flags.
      set_target_properties(Arrow::${_name} PROPERTIES
        IMPORTED_LOCATION "${${_var}}"
        INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${ARROW_INCLUDE_DIR}"
        INTERFACE_INCLUDE_DIRECTORIES "${ARROW_INCLUDE_DIR}")
    endif()
  endforeach()
  set_property(TARGET Arrow::parquet APPEND PROPERTY INTERFACE_LINK_LIBRARIES Arrow::arrow)
  set_property(TARGET Arrow::compute APPEND PROPERTY INTERFACE_LINK_LIBRARIES Arrow::arrow)
  if(TARGET Arrow::dataset)
    set_property(TARGET Arrow::dataset APPEND PROPERTY INTERFACE_LINK_LIBRARIES Arrow::parquet Arrow::acero Arrow::compute)
  endif()
endif()
