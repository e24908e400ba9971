/** Entry point: one auth client for the page, and the app rendered into #app. */
import { render } from 'preact';
import { App } from './app.js';
import { createAuthClient } from '@sesame/client';
import './styles.css';

const auth = createAuthClient();
const root = document.getElementById('app');
if (root) render(<App auth={auth} />, root);
