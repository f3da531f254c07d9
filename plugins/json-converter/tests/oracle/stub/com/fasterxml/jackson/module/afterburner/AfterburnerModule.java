package com.fasterxml.jackson.module.afterburner;
/** Stand-in: Afterburner only speeds up bean (de)serialization, unused for JsonNode trees. */
public class AfterburnerModule extends com.fasterxml.jackson.databind.module.SimpleModule {}
