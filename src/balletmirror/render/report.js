// balletmirror report: the timeline, the step cards and the corrections seek the video.
(function () {
  "use strict";
  var player = document.getElementById("player");
  var timeline = document.getElementById("timeline");
  var duration = timeline ? parseFloat(timeline.dataset.duration) : 0;
  var blocks = Array.prototype.slice.call(document.querySelectorAll(".timeline .block"));
  var cards = Array.prototype.slice.call(document.querySelectorAll(".step"));

  function mark(t) {
    blocks.concat(cards).forEach(function (el) {
      var on = parseFloat(el.dataset.start) <= t && t <= parseFloat(el.dataset.end);
      el.classList.toggle("current", on);
    });
    var head = document.getElementById("playhead");
    if (head && duration > 0) head.style.left = Math.min(100, 100 * t / duration) + "%";
  }

  function seek(t) {
    document.body.dataset.seekedTo = String(t);
    if (player) {
      player.pause();
      player.currentTime = t;
      if (player.scrollIntoView) player.scrollIntoView({block: "nearest"});
    }
    mark(t);
  }

  document.querySelectorAll("[data-seek]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      event.preventDefault();
      seek(parseFloat(el.dataset.seek));
    });
  });
  if (player) {
    player.addEventListener("timeupdate", function () { mark(player.currentTime); });
    player.addEventListener("seeked", function () {
      document.body.dataset.videoAt = String(player.currentTime);
    });
  }
  // Each plot was drawn as the page was parsed, before the grid knew its columns.
  function fitPlots() {
    if (!window.Plotly) return;
    document.querySelectorAll(".js-plotly-plot").forEach(function (div) {
      window.Plotly.Plots.resize(div);
    });
  }
  fitPlots();
  window.addEventListener("load", fitPlots);
  window.addEventListener("beforeprint", fitPlots);
  window.balletmirrorSeek = seek;
})();
