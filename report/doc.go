// Package report renders one run for people and for tools: the text
// summary a terminal shows, summary.md, result.json, timeline.csv's rows,
// and report.html, one self-contained page built with html/template from
// markup and a style sheet embedded beside the code (html/), its SVG
// charts drawn by this package. What it renders is package result's model
// and judgement; comparing two runs is package compare's job.
package report
