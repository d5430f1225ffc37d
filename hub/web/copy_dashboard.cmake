# Copies the dashboard's files and Leaflet's built files into the folder the hub serves (cmake -P).
file(MAKE_DIRECTORY ${DST})
file(GLOB files ${SRC}/*.html ${SRC}/*.js ${SRC}/*.css ${SRC}/*.svg)
file(COPY ${files} DESTINATION ${DST})
if(EXISTS ${LEAFLET}/leaflet.js)
  file(COPY ${LEAFLET}/leaflet.js ${LEAFLET}/leaflet.css ${LEAFLET}/images DESTINATION ${DST}/vendor/leaflet)
else()
  message(WARNING "Leaflet not found in ${LEAFLET}: run scripts/setup.d/10-web.sh; the dashboard shows no map without it")
endif()
