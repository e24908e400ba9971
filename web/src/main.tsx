/** Entry point: one auth client for the page, and the app rendered into #app. */
import { render } from 'preact';
import { App } from './app.js';
import { createAuthClient } from '@sesame/client';
import { captureReturnTo } from './lib/return-to.js';
import './styles.css';

// An app's ?returnTo=, checked by the server, kept for when the sign-in finishes.
void captureReturnTo();
const auth = createAuthClient();
const root = document.getElementById('app');
if (root) render(<App auth={auth} />, root);
