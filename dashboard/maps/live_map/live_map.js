// The Map page's live map (dashboard/maps/live.py; docs/architecture.md, "One filter click").
//
// A Streamlit component that builds its Leaflet map once and keeps it: each rerun sends
// only the layers' data (positions, class colours, escaped labels), and a layer whose data
// did not change is left as it is. Geometry is fetched once per page from the app's static
// files. Every text drawn here was escaped on the server; it is put in the page as it is.
(function () {
  "use strict";

  var map = null;          // the Leaflet map, made on the first render
  var base = "";           // the base map's spec (JSON) as last drawn
  var tiles = null;        // the tile layer, if any
  var outline = null;      // the borough outline
  var drawn = [];          // per layer: {key, group, areas}
  var view = "";           // the centre and zoom last asked for (JSON)
  var reportBounds = false;
  var height = 0;
  var shapes = {};         // url -> promise of the shapes in that file
  var pointCanvas = null;  // one canvas shared by every point layer
  var queue = Promise.resolve();
  var renders = 0;

  function send(type, data) {
    window.parent.postMessage(
      Object.assign({isStreamlitMessage: true, type: type}, data || {}), "*");
  }

  function load(tag, attributes) {
    return new Promise(function (resolve, reject) {
      var element = document.createElement(tag);
      Object.assign(element, attributes);
      element.onload = resolve;
      element.onerror = function () { reject(new Error("could not load " + attributes.src)); };
      document.head.appendChild(element);
    });
  }

  function shapesAt(url) {
    if (!shapes[url]) {
      shapes[url] = fetch(url).then(function (response) {
        if (!response.ok) { throw new Error("could not load " + url); }
        return response.json();
      });
    }
    return shapes[url];
  }

  function features(geometries, positions) {
    return {type: "FeatureCollection", features: positions.map(function (p, i) {
      return {type: "Feature", geometry: geometries[p], properties: {i: i}};
    })};
  }

  // ---- the kinds of part a layer is made of (dashboard/maps/elements.py, `spec`) ----

  function areaStyle(d, i) {
    return {fillColor: d.fills[i], fillOpacity: 0.75, weight: d.edges[i],
            color: d.edges[i] > d.line ? "#000000" : "#4d4d4d"};
  }

  function areaTooltip(d, i) {
    var rows = "";
    for (var k = 0; k < d.aliases.length; k++) {
      rows += "<tr><th>" + d.aliases[k] + "</th><td>" + d.values[k][i] + "</td></tr>";
    }
    return "<table>" + rows + "</table>";
  }

  // A choropleth whose areas keep their shapes: a new view restyles them in place.
  function drawAreas(group, d, geometries) {
    var state = {d: d, layers: []};
    var options = {
      style: function (f) { return areaStyle(state.d, f.properties.i); },
      onEachFeature: function (f, layer) {
        var i = f.properties.i;
        state.layers[i] = layer;
        layer.bindTooltip(areaTooltip(d, i), {sticky: true});
        layer.on("mouseover", function () { layer.setStyle({weight: 3, color: "#000000"}); });
        layer.on("mouseout", function () { layer.setStyle(areaStyle(state.d, i)); });
      },
    };
    if (d.canvas) { options.renderer = L.canvas(); }
    L.geoJson(features(geometries, d.positions), options).addTo(group);
    return state;
  }

  function restyleAreas(state, d) {
    state.d = d;
    for (var i = 0; i < state.layers.length; i++) {
      state.layers[i].setStyle(areaStyle(d, i));
      state.layers[i].setTooltipContent(areaTooltip(d, i));
    }
  }

  function sameShapes(a, b) {
    return a.url === b.url && a.canvas === b.canvas && a.line === b.line &&
      JSON.stringify(a.positions) === JSON.stringify(b.positions);
  }

  function drawOutlines(group, d, geometries) {
    L.geoJson(features(geometries, d.positions), {style: d.style, interactive: false})
      .addTo(group);
  }

  function drawNames(group, d) {
    for (var i = 0; i < d.names.length; i++) {
      L.marker(d.points[i], {
        icon: L.divIcon({html: '<div style="' + d.style + '">' + d.names[i] + "</div>",
                         iconSize: [0, 0], iconAnchor: [0, 0], className: d.className}),
        interactive: false, keyboard: false,
      }).addTo(group);
    }
  }

  function drawPoints(group, d) {
    // One canvas for every point, in a pane of its own above the areas (a canvas made
    // after them still went under their SVG) and below the ward names.
    if (!pointCanvas) {
      map.createPane("atlasPoints").style.zIndex = 450;
      pointCanvas = L.canvas({padding: 0.3, pane: "atlasPoints"});
    }
    var style = Object.assign({renderer: pointCanvas, pane: "atlasPoints"}, d.style);
    for (var i = 0; i < d.points.length; i++) {
      L.circleMarker([d.points[i][1], d.points[i][0]], style)
        .bindTooltip(d.tooltip, {sticky: true}).addTo(group);
    }
  }

  function drawCircles(group, d) {
    for (var i = 0; i < d.points.length; i++) {
      L.circleMarker(d.points[i], Object.assign({radius: d.radii[i]}, d.style))
        .bindTooltip(d.tooltips[i], {sticky: true}).addTo(group);
    }
  }

  function drawPart(group, part, geometries) {
    switch (part.kind) {
      case "areas": return drawAreas(group, part, geometries);
      case "outlines": return drawOutlines(group, part, geometries);
      case "names": return drawNames(group, part);
      case "points": return drawPoints(group, part);
      case "circles": return drawCircles(group, part);
      default: throw new Error("unknown kind of layer part: " + part.kind);
    }
  }

  // ---- the base map ----

  function quiet(box) {  // one tab stop for the map, not one per area (basemaps.py)
    box.querySelectorAll(
      ".leaflet-interactive:not([tabindex='-1']),.leaflet-marker-icon:not([tabindex='-1'])"
    ).forEach(function (el) { el.setAttribute("tabindex", "-1"); });
  }

  function makeMap(spec) {
    var box = document.getElementById("map");
    map = L.map(box, {zoomSnap: 0.25, preferCanvas: false});
    L.control.scale().addTo(map);
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", spec.label);
    if (window.frameElement) { window.frameElement.setAttribute("title", spec.title); }
    new MutationObserver(function () { quiet(box); })
      .observe(box, {childList: true, subtree: true});
    function labels() {
      box.classList.toggle("atlas-labels-hidden", map.getZoom() < spec.labelMinZoom);
    }
    map.on("zoomend", labels);
    map.on("moveend", function () { if (reportBounds) { sendBounds(); } });
    map.attributionControl.addAttribution(spec.attribution);
    map.setView(spec.centre, spec.zoom);
    labels();
  }

  function setBase(spec, geometries) {
    if (!map) { makeMap(spec); }
    if (tiles) { map.removeLayer(tiles); tiles = null; }
    if (spec.tiles) {
      tiles = L.tileLayer(spec.tiles.url, {attribution: spec.tiles.attribution}).addTo(map);
    }
    if (outline) { map.removeLayer(outline); }
    outline = L.geoJson(features(geometries, [0]),
                        {style: spec.outlineStyle, interactive: false}).addTo(map);
  }

  function sendBounds() {
    var b = map.getBounds();
    send("streamlit:setComponentValue", {dataType: "json", value: {bounds: {
      _southWest: {lat: b.getSouth(), lng: b.getWest()},
      _northEast: {lat: b.getNorth(), lng: b.getEast()},
    }}});
  }

  // ---- one render: the arguments of one rerun ----

  function urlsOf(args) {
    var urls = [args.base.outline];
    args.layers.forEach(function (layer) {
      layer.parts.forEach(function (part) { if (part.url) { urls.push(part.url); } });
    });
    return urls;
  }

  function render(args, geometries) {
    var baseKey = JSON.stringify(args.base);
    if (baseKey !== base) {
      setBase(args.base, geometries[args.base.outline]);
      base = baseKey;
    }
    var viewKey = JSON.stringify(args.view);
    if (viewKey !== view) {
      map.setView(args.view.centre, args.view.zoom);
      view = viewKey;
    }
    // Keep the layers that did not change; restyle areas whose shapes are the same; draw
    // the rest again, with every layer after them so the order on the map stays the same.
    var redraw = false;
    args.layers.forEach(function (layer, n) {
      var key = JSON.stringify(layer);
      var old = drawn[n];
      if (!redraw && old && old.key === key) { return; }
      var part = layer.parts.length === 1 ? layer.parts[0] : null;
      if (!redraw && old && old.areas && part && part.kind === "areas" &&
          sameShapes(old.areas.d, part)) {
        restyleAreas(old.areas, part);
        old.key = key;
        return;
      }
      if (old) { map.removeLayer(old.group); }
      redraw = true;
      var group = L.layerGroup().addTo(map);
      var entry = {key: key, group: group, areas: null};
      layer.parts.forEach(function (p) {
        var made = drawPart(group, p, geometries[p.url]);
        if (p.kind === "areas") { entry.areas = made; }
      });
      drawn[n] = entry;
    });
    drawn.splice(args.layers.length).forEach(function (old) { map.removeLayer(old.group); });
    // Areas restyled on a canvas change no element: say on the map's box that this view
    // is drawn (tests and the benchmark wait for it).
    document.getElementById("map").dataset.renders = String(++renders);
    var wasReporting = reportBounds;
    reportBounds = Boolean(args.reportBounds);
    if (reportBounds && !wasReporting) { sendBounds(); }
  }

  function onRender(args) {
    if (args.height !== height) {
      height = args.height;
      document.getElementById("map").style.height = height + "px";
      send("streamlit:setFrameHeight", {height: height});
      if (map) { map.invalidateSize(); }
    }
    var urls = urlsOf(args);
    queue = queue.then(function () {
      return Promise.all(urls.map(shapesAt));
    }).then(function (loaded) {
      var geometries = {};
      urls.forEach(function (url, i) { geometries[url] = loaded[i]; });
      render(args, geometries);
    }).catch(function (error) {
      document.getElementById("map").textContent = "The map could not be drawn: " + error;
    });
  }

  var ready = null;  // Leaflet and its stylesheet, loaded once from the app's own server
  window.addEventListener("message", function (event) {
    if (!event.data || event.data.type !== "streamlit:render") { return; }
    var args = event.data.args;
    if (!ready) {
      ready = Promise.all([
        load("link", {rel: "stylesheet", href: args.assets.css}),
        load("script", {src: args.assets.js}),
      ]);
    }
    queue = queue.then(function () { return ready; });
    onRender(args);
  });
  send("streamlit:componentReady", {apiVersion: 1});
})();
