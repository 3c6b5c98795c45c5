from layers.routing import websocket_urlpatterns as layers_ws

websocket_urlpatterns = [*layers_ws]
