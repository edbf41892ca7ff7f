// Starts GraphiQL 3 (React 18 UMD globals) on /graphql. Loaded as a file, not inline, because the
// page's CSP is `script-src 'self'`. The token is pasted in the headers editor and never stored.
'use strict'
;(function () {
  var h = React.createElement
  var INTRO = [
    '# ICACN Exchange GraphQL (development mode).',
    '#',
    '# 1. Get an access token:  npm run -s token -- --member TH --role analyst',
    '# 2. Paste it in the Headers tab below:  {"Authorization": "Bearer <token>"}',
    '#    The schema (Docs, completion) is fetched again as soon as the header changes.',
    '# 3. Run the query with the run button or Ctrl-Enter.',
    '',
    '{',
    '  me {',
    '    actor',
    '    member { code name }',
    '  }',
    '}',
    '',
  ].join('\n')

  var NO_TOKEN = { errors: [{ message: 'No access token: paste {"Authorization": "Bearer <token>"} in the Headers tab (every /graphql request needs one).' }] }

  /** Posts one operation as JSON to /graphql with the headers editor's headers; the answer is JSON either way (data/errors or problem+json). */
  function makeFetcher() {
    return function fetcher(params, opts) {
      var given = (opts && opts.headers) || {}
      // Without a token the gateway can only answer 401: say what to do instead of asking it.
      if (!authorization(given)) return Promise.resolve(NO_TOKEN)
      var headers = Object.assign({ accept: 'application/json' }, given, { 'content-type': 'application/json' })
      return fetch('/graphql', { method: 'POST', headers: headers, body: JSON.stringify(params), credentials: 'omit' }).then(function (res) {
        return res.json()
      })
    }
  }

  function authorization(headers) {
    for (var key in headers) if (key.toLowerCase() === 'authorization') return String(headers[key]).trim()
    return ''
  }

  function authorizationOf(text) {
    try {
      return authorization(JSON.parse(text || '{}') || {})
    } catch (e) {
      return null // half-typed JSON: keep the schema fetched with the last complete header
    }
  }

  /**
   * localStorage for GraphiQL, minus request headers: GraphiQL 3 saves each run's headers in its
   * history and favourites even with shouldPersistHeaders false, and a token is a bearer credential.
   * The history in memory keeps them for this page's lifetime.
   */
  var WITH_HEADERS = { 'graphiql:queries': true, 'graphiql:favorites': true }
  var storage = {
    getItem: function (key) {
      return localStorage.getItem(key)
    },
    setItem: function (key, value) {
      if (key === 'graphiql:headers') return
      localStorage.setItem(key, WITH_HEADERS[key] ? JSON.stringify(JSON.parse(value), dropHeaders) : value)
    },
    removeItem: function (key) {
      localStorage.removeItem(key)
    },
    get length() {
      return ownKeys().length
    },
    clear: function () {
      ownKeys().forEach(function (key) {
        localStorage.removeItem(key)
      })
    },
  }
  function dropHeaders(key, value) {
    return key === 'headers' ? undefined : value
  }
  function ownKeys() {
    return Object.keys(localStorage).filter(function (key) {
      return key.indexOf('graphiql:') === 0
    })
  }

  function App() {
    var state = React.useState(makeFetcher)
    var lastAuthorization = React.useRef('')
    var timer = React.useRef(0)
    function onEditHeaders(text) {
      clearTimeout(timer.current)
      timer.current = setTimeout(function () {
        var value = authorizationOf(text)
        if (value === null || value === lastAuthorization.current) return
        lastAuthorization.current = value
        // GraphiQL introspects again whenever its fetcher changes: a new token brings the schema.
        state[1](makeFetcher)
      }, 300)
    }
    return h(GraphiQL, {
      fetcher: state[0],
      onEditHeaders: onEditHeaders,
      headerEditorEnabled: true,
      // Access tokens stay out of localStorage: they are bearer credentials.
      shouldPersistHeaders: false,
      storage: storage,
      defaultEditorToolsVisibility: 'headers',
      defaultQuery: INTRO,
    })
  }

  ReactDOM.createRoot(document.getElementById('graphiql')).render(h(App))
})()
