/*
 * The dashboard sections' script (no inline script anywhere: pages load this file and
 * Chart.js, vendor/chartjs, MIT licence).
 *
 * Charts: every <canvas data-chart="URL"> is drawn with Chart.js from the JSON configuration at
 * URL (oscar_insights.charts.Chart.config); it gets data-drawn="true" once drawn, "failed" if its
 * data could not be read (its table stays the way to the figures).
 * window.insightsCharts.redraw(canvas) reads a canvas's data again.
 *
 * Progress: every [data-progress-url] polls its URL (JSON from
 * oscar_insights.dashboard.progress_of) once a second, shows the progress and the stage, and when
 * the run is done reveals its [data-progress-done] link and redraws the page's charts.  Its
 * data-state follows the run: queued, running, done or failed.  No page reload.
 */
(function () {
    "use strict";

    function getJSON(url) {
        return fetch(url, {
            credentials: "same-origin",
            headers: {"Accept": "application/json"}
        }).then(function (response) {
            if (!response.ok) {
                throw new Error("HTTP " + response.status);
            }
            return response.json();
        });
    }

    function draw(canvas) {
        return getJSON(canvas.dataset.chart).then(function (config) {
            if (canvas.chart) {
                canvas.chart.destroy();
            }
            canvas.chart = new window.Chart(canvas, config);
            canvas.dataset.drawn = "true";
        }).catch(function (error) {
            canvas.dataset.drawn = "failed";
            canvas.setAttribute("title", String(error));
        });
    }

    function follow(box) {
        var bar = box.querySelector(".progress-bar");
        var stage = box.querySelector("[data-progress-stage]");
        var done = box.querySelector("[data-progress-done]");

        function show(status) {
            var percent = Math.max(0, Math.min(100, status.progress || 0));
            bar.style.width = percent + "%";
            bar.setAttribute("aria-valuenow", String(percent));
            bar.textContent = percent + " %";
            stage.textContent = (status.run ? "#" + status.run + " " : "") +
                (status.status ? status.status + ": " : "") + (status.stage || "");
            box.dataset.state = status.state;
            if (status.state === "done" || status.state === "failed") {
                bar.classList.remove("progress-bar-animated", "progress-bar-striped");
                bar.classList.add(status.state === "done" ? "bg-success" : "bg-danger");
                if (status.state === "done" && done) {
                    done.hidden = false;
                }
                if (status.state === "done") {
                    document.querySelectorAll("canvas[data-chart]").forEach(draw);
                }
                return true;
            }
            return false;
        }

        function poll() {
            getJSON(box.dataset.progressUrl).then(function (status) {
                if (!show(status)) {
                    window.setTimeout(poll, 1000);
                }
            }).catch(function () {
                window.setTimeout(poll, 3000);  // the server restarting: try again later
            });
        }

        poll();
    }

    window.insightsCharts = {redraw: draw};

    function start() {
        document.querySelectorAll("canvas[data-chart]").forEach(draw);
        document.querySelectorAll("[data-progress-url]").forEach(follow);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
}());
