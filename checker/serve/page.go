package serve

const pageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{{.CSRF}}">
<title>{{.Name}} — lab</title>
<link rel="stylesheet" href="/assets/dist/xterm.css">
<link rel="stylesheet" href="/assets/static/lab.css">
</head>
<body>
<header>
  <strong>{{.Name}}</strong>
  <span id="progress">{{.Passed}} of {{.Steps}} steps passed</span>
  <button type="button" id="reset">Reset lab</button>
</header>
<main>
  <article id="doc">{{.Body}}</article>
  <section id="term-pane"><div id="term-status"></div><div id="term"></div></section>
</main>
<script src="/assets/dist/xterm.js"></script>
<script src="/assets/dist/addon-fit.js"></script>
<script src="/assets/static/lab.js"></script>
</body>
</html>
`
